using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Graph JSON batches and OData batches (multipart and JSON) of random sub-requests.</summary>
public sealed class BatchFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    [Fact]
    public Task Random_batches_never_answer_5xx_in_the_batch_or_its_requests_and_refused_batches_change_nothing() =>
        FuzzRun.CheckAsync(host, output, nameof(BatchFuzzTests), stream: 4, cases: 300,
            Gen.OneOf(RequestGen.GraphJsonBatch(host.Ids), RequestGen.ODataJsonBatch(host.Ids), RequestGen.MultipartBatch(host.Ids)));
}
