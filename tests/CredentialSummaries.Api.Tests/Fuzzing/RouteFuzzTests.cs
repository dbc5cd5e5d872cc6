using Xunit.Abstractions;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>Random methods, routes, headers, queries and bodies together.</summary>
public sealed class RouteFuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    [Fact]
    public Task Random_requests_on_every_route_never_answer_5xx_and_refuse_in_graph_shape_without_changes() =>
        FuzzRun.CheckAsync(host, output, nameof(RouteFuzzTests), stream: 2, cases: 500, RequestGen.AnyRequest(host.Ids));
}
