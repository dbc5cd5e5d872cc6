using System.Net;
using System.Net.Http.Headers;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CredentialSummaries.Api.Tests.Graph;

public sealed class ErrorShapeTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Theory]
    [InlineData(GraphApi.V1Root + "/noSuchEntitySet", "noSuchEntitySet")]
    [InlineData(GraphApi.BetaRoot + "/credentialUserRegistrationsSummariez", "credentialUserRegistrationsSummariez")]
    [InlineData("/v1.0/tenantRelationships/nothingHere", "nothingHere")]
    [InlineData("/no/such/route", "route")]
    public async Task Get_of_an_unknown_route_returns_404_resource_not_found(string url, string segment)
    {
        using var response = await tenant.Reader.GetAsync(url);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", $"'{segment}'");
        response.Headers.GetValues("request-id").Should().ContainSingle();
    }

    [Fact]
    public async Task Get_of_an_unknown_route_without_a_token_returns_404_not_401()
    {
        using var response = await factory.ClientFor(token: null).GetAsync("/no/such/route");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound");
        response.Headers.WwwAuthenticate.Should().BeEmpty();
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task A_call_on_an_unknown_id_returns_404_naming_the_id(string method)
    {
        var id = $"missing-{Guid.NewGuid():N}";
        using var request = GraphApi.Request(new HttpMethod(method), $"{GraphApi.Summaries}/{id}",
            method == "PATCH" ? new { tenantDisplayName = "Renamed" } : null);

        using var response = await tenant.Writer.SendAsync(request);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", id);
    }

    [Fact]
    public async Task Put_on_an_item_returns_405_method_not_allowed_and_changes_nothing()
    {
        var created = await tenant.Writer.CreateAsync();
        var replacement = GraphApi.SeedBody((string)created.GetProperty("tenantId").GetString()!);
        replacement["tenantDisplayName"] = "Replaced";

        using var response = await tenant.Writer.SendAsync(
            GraphApi.Request(HttpMethod.Put, $"{GraphApi.Summaries}/{created.Id()}", replacement));

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "PUT");
        using var stored = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        (await stored.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Contoso Ltd");
    }

    [Fact]
    public async Task Every_response_carries_a_fresh_guid_request_id_and_without_a_client_request_id_echoes_it()
    {
        var created = await tenant.Writer.CreateAsync();
        var anonymous = factory.ClientFor(token: null);
        var calls = new (HttpClient Client, HttpMethod Method, string Url, HttpStatusCode Status)[]
        {
            (tenant.Reader, HttpMethod.Get, GraphApi.Summaries, HttpStatusCode.OK),
            (tenant.Reader, HttpMethod.Get, $"{GraphApi.Summaries}/{created.Id()}", HttpStatusCode.OK),
            (anonymous, HttpMethod.Get, $"{GraphApi.V1Root}/$metadata", HttpStatusCode.OK),
            (anonymous, HttpMethod.Get, GraphApi.Summaries, HttpStatusCode.Unauthorized),
            (tenant.Reader, HttpMethod.Get, $"{GraphApi.Summaries}/nope", HttpStatusCode.NotFound),
            (tenant.Reader, HttpMethod.Delete, $"{GraphApi.Summaries}/{created.Id()}", HttpStatusCode.Forbidden),
            (tenant.Writer, HttpMethod.Delete, $"{GraphApi.Summaries}/{created.Id()}", HttpStatusCode.NoContent),
        };
        var seen = new HashSet<string>();

        foreach (var (client, method, url, status) in calls)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, url));

            response.StatusCode.Should().Be(status, $"{method} {url}");
            var requestId = response.Headers.GetValues("request-id").Should().ContainSingle().Subject;
            Guid.TryParse(requestId, out _).Should().BeTrue($"{method} {url} gave request-id '{requestId}'");
            response.Headers.GetValues("client-request-id").Should().Equal([requestId], $"{method} {url}");
            seen.Add(requestId).Should().BeTrue("every response gets a new request-id");
        }
    }

    [Fact]
    public async Task A_client_request_id_is_echoed_on_success_in_the_header()
    {
        var clientRequestId = Guid.NewGuid().ToString();

        using var response = await tenant.Reader.SendAsync(
            GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, headers: ("client-request-id", clientRequestId)));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("client-request-id").Should().Equal(clientRequestId);
        var requestId = response.Headers.GetValues("request-id").Single();
        requestId.Should().NotBe(clientRequestId);
        Guid.TryParse(requestId, out _).Should().BeTrue();
    }

    [Fact]
    public async Task A_client_request_id_is_echoed_on_an_error_in_the_header_and_in_inner_error()
    {
        const string clientRequestId = "my-trace-0001";

        using var response = await tenant.Reader.SendAsync(
            GraphApi.Request(HttpMethod.Get, $"{GraphApi.Summaries}/nope", headers: ("client-request-id", clientRequestId)));

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "nope");
        response.Headers.GetValues("client-request-id").Should().Equal(clientRequestId);
        error.GetProperty("innerError").GetProperty("client-request-id").GetString().Should().Be(clientRequestId);
        var requestId = error.GetProperty("innerError").GetProperty("request-id").GetString();
        requestId.Should().NotBe(clientRequestId);
        Guid.TryParse(requestId, out _).Should().BeTrue();
    }

    [Fact]
    public async Task An_error_without_a_client_request_id_reports_the_request_id_as_client_request_id()
    {
        using var response = await factory.ClientFor(token: null).GetAsync(GraphApi.Summaries);

        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
        var inner = error.GetProperty("innerError");
        inner.GetProperty("client-request-id").GetString().Should().Be(inner.GetProperty("request-id").GetString());
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("$filter=nosuch eq 1", "Query option '$filter' is invalid", "nosuch")]
    [InlineData("$orderby=nosuch desc", "Query option '$orderby' is invalid", "nosuch")]
    [InlineData("$select=nosuch", "Query option '$select' is invalid", "nosuch")]
    [InlineData("$filter=totalUserCount eq 'many'", "Query option '$filter' is invalid", "'Edm.Int32'")]
    [InlineData("$top=5&$orderby=tenantDisplayName&$filter=tenantId eq 5", "Query option '$filter' is invalid")]
    [InlineData("$top=1000", "999")]
    [InlineData("$top=-1", "$top")]
    [InlineData("$skip=abc", "$skip")]
    public async Task An_invalid_query_option_returns_400_naming_what_is_wrong(string query, params string[] mentions)
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?{query}");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", mentions);
        response.Headers.GetValues("request-id").Should().ContainSingle();
    }

    [Fact]
    public async Task Top_of_999_is_accepted()
    {
        using var response = await tenant.Reader.GetAsync($"{GraphApi.Summaries}?$top=999");

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        json.GetProperty("value").GetArrayLength().Should().Be(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/{id}")]
    public async Task Accept_of_only_xml_returns_406_not_acceptable(string item)
    {
        var created = await tenant.Writer.CreateAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, GraphApi.Summaries + item.Replace("{id}", created.Id(), StringComparison.Ordinal));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));

        using var response = await tenant.Reader.SendAsync(request);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotAcceptable, "NotAcceptable", "application/json");
    }

    [Theory]
    [InlineData(GraphApi.V1Root + "/$metadata")]
    [InlineData(GraphApi.V1Root + "/")]
    public async Task Accept_of_problem_json_alone_returns_406_in_graphs_shape_not_problem_details(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/problem+json");

        using var response = await factory.ClientFor(token: null).SendAsync(request);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotAcceptable, "NotAcceptable");
    }

    [Fact]
    public async Task Accept_of_xml_or_json_is_answered_with_json()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, GraphApi.Summaries);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json", 0.5));

        using var response = await tenant.Reader.SendAsync(request);

        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        json.GetProperty("value").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task An_unhandled_exception_returns_500_internal_server_error_without_exception_details()
    {
        using var faulty = new FaultyClockFactory();
        var writer = new TestTenant(faulty).Writer;
        const string clientRequestId = "fault-trace-42";

        using var response = await writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody(), ("client-request-id", clientRequestId));

        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContain(ThrowingTimeProvider.Secret)
            .And.NotContain(nameof(InvalidOperationException))
            .And.NotContain(nameof(ThrowingTimeProvider))
            .And.NotContain("   at ");
        var error = await response.ShouldBeGraphErrorAsync(HttpStatusCode.InternalServerError, "InternalServerError");
        error.GetProperty("message").GetString().Should().Be("An internal server error occurred.");
        Guid.TryParse(response.Headers.GetValues("request-id").Single(), out _).Should().BeTrue();
        response.Headers.GetValues("client-request-id").Should().Equal(clientRequestId);
    }

    /// <summary>The real app with a clock that fails, so that a create throws an exception nothing handles.</summary>
    private sealed class FaultyClockFactory : SummariesApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(new ThrowingTimeProvider()));
        }
    }

    private sealed class ThrowingTimeProvider : TimeProvider
    {
        public const string Secret = "secret detail";

        public override DateTimeOffset GetUtcNow() => throw new InvalidOperationException(Secret);
    }
}
