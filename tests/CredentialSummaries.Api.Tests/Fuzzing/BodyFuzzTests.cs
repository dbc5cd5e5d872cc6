using CredentialSummaries.Api.Tests.Fixtures;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Random and mutated bodies for create and update.</summary>
public sealed class BodyFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    [Fact]
    public Task Random_and_mutated_bodies_never_answer_5xx_and_a_refused_write_changes_nothing() =>
        FuzzRun.CheckAsync(host, output, nameof(BodyFuzzTests), stream: 3, cases: 400,
            from method in Gen.Elements("POST", "PATCH", "PATCH", "PUT")
            from id in Gen.Elements([.. host.Ids])
            from root in Gen.Elements(GraphApi.Summaries, GraphApi.BetaSummaries)
            from body in RequestGen.Body
            from contentType in RequestGen.ContentType
            from headers in Gen.Frequency((3, Gen.Constant<IReadOnlyList<KeyValuePair<string, string>>>([])), (1, RequestGen.Headers))
            select new FuzzCase(method, method == "POST" ? root : $"{root}/{id}", [], headers, body, contentType));
}
