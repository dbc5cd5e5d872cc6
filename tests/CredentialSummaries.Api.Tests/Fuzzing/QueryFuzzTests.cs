using CredentialSummaries.Api.Tests.Fixtures;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Random OData queries on the list, and on the /$count, item and property routes.</summary>
public sealed class QueryFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    [Fact]
    public Task Random_odata_queries_on_the_list_never_answer_5xx_and_refuse_in_graph_shape_without_leaks_or_changes() =>
        FuzzRun.CheckAsync(host, output, "QueryFuzzTests.List", stream: 1, cases: 1300,
            from path in Gen.Elements(GraphApi.Summaries, GraphApi.Summaries, GraphApi.BetaSummaries)
            from query in ODataQueryGen.Query
            from prefer in Gen.Frequency((5, Gen.Constant<IReadOnlyList<KeyValuePair<string, string>>>([])), (1, RequestGen.Headers))
            from caller in Gen.Elements(FuzzCaller.Reader, FuzzCaller.Writer)
            select new FuzzCase("GET", path, query, prefer, null, null, caller));

    [Fact]
    public Task Random_odata_queries_on_count_item_and_property_routes_never_answer_5xx_and_refuse_in_graph_shape() =>
        FuzzRun.CheckAsync(host, output, "QueryFuzzTests.Routes", stream: 5, cases: 700,
            from path in Gen.Frequency(
                (2, Gen.Elements(GraphApi.Summaries + "/$count", GraphApi.BetaSummaries + "/$count")),
                (2, Gen.Elements([.. host.Ids]).Select(id => $"{GraphApi.Summaries}/{id}")),
                (1, Gen.Elements([.. host.Ids]).Select(id => $"{GraphApi.Summaries}('{id}')")),
                (1, from id in Gen.Elements([.. host.Ids]) from p in Gen.Elements(ODataQueryGen.Properties) from value in Gen.Elements("", "/$value")
                    select $"{GraphApi.Summaries}/{id}/{p}{value}"))
            from query in ODataQueryGen.Query
            from headers in Gen.Frequency((5, Gen.Constant<IReadOnlyList<KeyValuePair<string, string>>>([])), (1, RequestGen.Headers))
            select new FuzzCase("GET", path, query, headers, null, null, FuzzCaller.Reader));
}
