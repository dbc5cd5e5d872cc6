using System.Collections.Concurrent;
using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.Api.Tests.Graph;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;

namespace CredentialSummaries.Api.Tests.Clients;

/// <summary>The Graph SDK's RetryHandler against the service's throttling: its 429 and Retry-After are waited out.</summary>
public sealed class GraphSdkThrottlingTests(ThrottlingTests.TightLimitsFactory factory) : IClassFixture<ThrottlingTests.TightLimitsFactory>
{
    [Fact]
    public async Task The_sdks_retry_handler_waits_out_a_429_with_retry_after_and_every_request_succeeds()
    {
        var tenantId = Guid.NewGuid().ToString();
        var wire = new RecordingHandler { InnerHandler = factory.Server.CreateHandler() };
        var client = new GraphServiceClient(
            GraphClientFactory.Create(finalHandler: wire),
            new BaseBearerTokenAuthenticationProvider(new StaticAccessTokenProvider(TokenMinter.Delegated(tenantId, GraphApi.Read), "localhost")),
            "http://localhost/v1.0");

        // Requests until one has been throttled (the burst of TightLimitsFactory.Burst refills at 1 a second, so a slow machine may need a few more).
        var pages = new List<CredentialUserRegistrationsSummaryCollectionResponse?>();
        while (pages.Count < ThrottlingTests.TightLimitsFactory.Burst + 10 && !wire.Answers.Any(a => a.Status == HttpStatusCode.TooManyRequests))
        {
            pages.Add(await client.RequestAdapter.SendAsync(
                SummaryRequests.List(), CredentialUserRegistrationsSummaryCollectionResponse.CreateFromDiscriminatorValue, SummaryRequests.Errors));
        }

        pages.Should().AllSatisfy(page => page!.Value.Should().BeEmpty());
        var answers = wire.Answers.ToList();
        answers.Should().Contain(a => a.Status == HttpStatusCode.TooManyRequests && a.RetryAfter >= TimeSpan.FromSeconds(1),
            "the burst is spent");
        answers.Should().Contain(a => a.Status == HttpStatusCode.OK && a.RetryAttempt != null, "the SDK retried the throttled request");
        answers.Count(a => a.Status == HttpStatusCode.OK).Should().Be(pages.Count, "each request was answered once, after its retries");
    }

    /// <summary>Sits where the network would be, under all of Graph's handlers: records what went over the wire.</summary>
    private sealed class RecordingHandler : DelegatingHandler
    {
        public ConcurrentQueue<(HttpStatusCode Status, TimeSpan? RetryAfter, string? RetryAttempt)> Answers { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            Answers.Enqueue((response.StatusCode, response.Headers.RetryAfter?.Delta,
                request.Headers.TryGetValues("Retry-Attempt", out var attempt) ? attempt.Single() : null));
            return response;
        }
    }
}
