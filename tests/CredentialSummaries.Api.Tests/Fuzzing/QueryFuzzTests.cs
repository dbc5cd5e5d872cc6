using CredentialSummaries.Api.Tests.Fixtures;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Random OData queries on the list, /$count, item and property routes.</summary>
public sealed class QueryFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    [Fact]
    public Task Random_odata_queries_never_answer_5xx_and_refuse_in_graph_shape_without_leaks_or_changes() =>
        FuzzRun.CheckAsync(host, output, nameof(QueryFuzzTests), stream: 1, cases: 1000,
            from path in Gen.Frequency(
                (12, Gen.Elements(GraphApi.Summaries, GraphApi.BetaSummaries)),
                (2, Gen.Constant(GraphApi.Summaries + "/$count")),
                (1, Gen.Elements([.. host.Ids]).Select(id => $"{GraphApi.Summaries}/{id}")),
                (1, Gen.Elements([.. host.Ids]).Select(id => $"{GraphApi.Summaries}('{id}')/tenantDisplayName")))
            from query in ODataQueryGen.Query
            from prefer in Gen.Frequency((5, Gen.Constant<IReadOnlyList<KeyValuePair<string, string>>>([])), (1, RequestGen.Headers))
            from caller in Gen.Elements(FuzzCaller.Reader, FuzzCaller.Writer)
            select new FuzzCase("GET", path, query, prefer, null, null, caller));
}
