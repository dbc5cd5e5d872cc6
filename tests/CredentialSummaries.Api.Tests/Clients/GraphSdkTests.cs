using System.Collections.Concurrent;
using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Graph;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;

namespace CredentialSummaries.Api.Tests.Clients;

/// <summary>
/// The Microsoft Graph SDK for .NET (Microsoft.Graph 6.10.0) pointed at the service: a <see cref="GraphServiceClient"/>
/// on Graph's own handler pipeline, a base URL and a token provider, sending through its request adapter, walking
/// pages with its <see cref="PageIterator{TEntity, TCollectionPage}"/>, batching with its
/// <see cref="BatchRequestContentCollection"/> and reading failures as its <see cref="ODataError"/>.
/// </summary>
public sealed class GraphSdkTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    /// <summary>The set-up docs/clients.md shows: Graph's default handlers in front of the in-memory host.</summary>
    private GraphServiceClient ClientFor(string token, string version = "v1.0")
    {
        var httpClient = GraphClientFactory.Create(finalHandler: factory.Server.CreateHandler());
        var authentication = new BaseBearerTokenAuthenticationProvider(new StaticAccessTokenProvider(token, "localhost"));
        return new GraphServiceClient(httpClient, authentication, $"http://localhost/{version}");
    }

    private GraphServiceClient Writer => ClientFor(TokenMinter.Delegated(tenant.Id, GraphApi.ReadWrite));

    private static CredentialUserRegistrationsSummary NewSummary(string displayName, int total = 200) => new()
    {
        TenantId = Guid.NewGuid().ToString(),
        TenantDisplayName = displayName,
        MfaAndSsprCapableUserCount = 120,
        SsprEnabledUserCount = 150,
        MfaRegisteredUserCount = 140,
        SsprRegisteredUserCount = 130,
        TotalUserCount = total,
        SecurityDefaultsEnabled = true,
        MfaConditionalAccessPolicyState = "enabled",
        LastRefreshedDateTime = new DateTimeOffset(2026, 11, 24, 7, 0, 0, TimeSpan.Zero),
    };

    private static Task<CredentialUserRegistrationsSummary?> CreateAsync(GraphServiceClient client, CredentialUserRegistrationsSummary body) =>
        client.RequestAdapter.SendAsync(
            SummaryRequests.Create(client.RequestAdapter, body), CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue, SummaryRequests.Errors);

    [Theory]
    [InlineData("v1.0")]
    [InlineData("beta")]
    public async Task The_sdk_creates_a_summary_and_reads_it_back_by_id_and_through_a_filtered_list(string version)
    {
        var client = ClientFor(TokenMinter.Delegated(tenant.Id, GraphApi.ReadWrite), version);
        var displayName = $"Fabrikam {Guid.NewGuid():N}";

        var created = await CreateAsync(client, NewSummary(displayName, total: 321));
        var read = await client.RequestAdapter.SendAsync(
            SummaryRequests.Get(created!.Id!), CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        var listed = await client.RequestAdapter.SendAsync(
            SummaryRequests.List($"tenantDisplayName eq '{displayName}'", count: true),
            CredentialUserRegistrationsSummaryCollectionResponse.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        await CreateAsync(client, NewSummary("Someone else"));
        var stored = await tenant.Reader.GetSummaryAsync(created.Id!);

        created.OdataType.Should().Be(CredentialUserRegistrationsSummary.TypeName);
        Guid.TryParse(created.Id, out _).Should().BeTrue(created.Id);
        created.TenantDisplayName.Should().Be(displayName);
        created.TotalUserCount.Should().Be(321);
        created.SecurityDefaultsEnabled.Should().BeTrue();
        created.LastRefreshedDateTime.Should().Be(new DateTimeOffset(2026, 11, 24, 7, 0, 0, TimeSpan.Zero));
        created.AdditionalData.Should().ContainKey("@odata.context").And.ContainKey("@odata.etag");
        stored.GetProperty("tenantDisplayName").GetString().Should().Be(displayName);
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(321);
        read.Should().BeEquivalentTo(created, o => o.Excluding(s => s.AdditionalData));
        listed!.Value.Should().ContainSingle().Which.Should().BeEquivalentTo(created, o => o.Excluding(s => s.AdditionalData));
        listed.OdataNextLink.Should().BeNull();
        listed.OdataCount.Should().Be(1, "$count=true is read into the SDK's OdataCount");
        listed.AdditionalData["@odata.context"].Should().Be($"http://localhost/{version}/tenantRelationships/managedTenants/$metadata#credentialUserRegistrationsSummaries");
    }

    [Fact]
    public async Task The_sdk_deletes_a_summary_and_a_later_get_is_an_odata_error_404()
    {
        var client = Writer;
        var created = await CreateAsync(client, NewSummary("Doomed"));
        var delete = new RequestInformation(Method.DELETE, SummaryRequests.Path + "/{id}", new Dictionary<string, object>())
        {
            PathParameters = { ["id"] = created!.Id! },
        };

        await client.RequestAdapter.SendNoContentAsync(delete, SummaryRequests.Errors);
        var act = () => client.RequestAdapter.SendAsync(
            SummaryRequests.Get(created.Id!), CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        using var stored = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id}");

        (await act.Should().ThrowAsync<ODataError>()).Which.ResponseStatusCode.Should().Be(404);
        stored.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_sdk_patches_a_summary_and_reads_the_changed_entity_with_prefer_return_representation_and_by_default()
    {
        var client = Writer;
        var created = await CreateAsync(client, NewSummary("Before"));

        var represented = await client.RequestAdapter.SendAsync(
            SummaryRequests.Patch(client.RequestAdapter, created!.Id!, new() { TenantDisplayName = "After", TotalUserCount = 999 }, "return=representation"),
            CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        var byDefault = await client.RequestAdapter.SendAsync(
            SummaryRequests.Patch(client.RequestAdapter, created.Id!, new() { MfaExcludedUserCount = 7 }),
            CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        var stored = await tenant.Reader.GetSummaryAsync(created.Id!);

        represented!.Id.Should().Be(created.Id);
        represented.TenantDisplayName.Should().Be("After");
        represented.TotalUserCount.Should().Be(999);
        represented.TenantId.Should().Be(created.TenantId);
        byDefault!.Id.Should().Be(created.Id);
        byDefault.MfaExcludedUserCount.Should().Be(7);
        byDefault.TenantDisplayName.Should().Be("After");
        byDefault.TotalUserCount.Should().Be(999);
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("After");
        stored.GetProperty("totalUserCount").GetInt32().Should().Be(999);
        stored.GetProperty("mfaExcludedUserCount").GetInt32().Should().Be(7);
        stored.GetProperty("ssprEnabledUserCount").GetInt32().Should().Be(150);
    }

    [Fact]
    public async Task The_page_iterator_walks_every_page_of_250_summaries_and_sees_each_once()
    {
        var expected = new ConcurrentBag<string>();
        // Made before the parallel writes: the first client starts the test host, which is not safe to do concurrently.
        var writer = tenant.Writer;
        await Parallel.ForEachAsync(Enumerable.Range(0, 250), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            expected.Add((await writer.CreateAsync(GraphApi.SeedBody())).Id()));
        var client = ClientFor(TokenMinter.Delegated(tenant.Id, GraphApi.Read));
        var firstPage = await client.RequestAdapter.SendAsync(
            SummaryRequests.List(), CredentialUserRegistrationsSummaryCollectionResponse.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        var seen = new List<string>();
        var nextPages = 0;

        var iterator = PageIterator<CredentialUserRegistrationsSummary, CredentialUserRegistrationsSummaryCollectionResponse>.CreatePageIterator(
            client,
            firstPage!,
            summary =>
            {
                seen.Add(summary.Id!);
                return true;
            },
            request =>
            {
                nextPages++;
                return request;
            });
        await iterator.IterateAsync();

        firstPage!.Value.Should().HaveCount(100);
        firstPage.OdataNextLink.Should().StartWith("http://localhost/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries?");
        nextPages.Should().Be(2, "250 summaries at 100 a page are three pages");
        iterator.State.Should().Be(PagingState.Complete);
        seen.Should().OnlyHaveUniqueItems().And.BeEquivalentTo(expected);
    }

    [Fact]
    public async Task The_page_iterator_follows_pages_of_the_size_asked_with_prefer_odata_maxpagesize()
    {
        var expected = new ConcurrentBag<string>();
        // Made before the parallel writes: the first client starts the test host, which is not safe to do concurrently.
        var writer = tenant.Writer;
        await Parallel.ForEachAsync(Enumerable.Range(0, 25), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            expected.Add((await writer.CreateAsync(GraphApi.SeedBody())).Id()));
        var client = ClientFor(TokenMinter.Delegated(tenant.Id, GraphApi.Read));
        var first = SummaryRequests.List();
        first.Headers.TryAdd("Prefer", "odata.maxpagesize=10");
        var firstPage = await client.RequestAdapter.SendAsync(
            first, CredentialUserRegistrationsSummaryCollectionResponse.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        var pageSizes = new List<int> { firstPage!.Value!.Count };
        var seen = new List<string>();

        var iterator = PageIterator<CredentialUserRegistrationsSummary, CredentialUserRegistrationsSummaryCollectionResponse>.CreatePageIterator(
            client,
            firstPage,
            summary =>
            {
                seen.Add(summary.Id!);
                return true;
            },
            request =>
            {
                request.Headers.TryAdd("Prefer", "odata.maxpagesize=10");
                return request;
            });
        await iterator.IterateAsync();

        firstPage.Value.Should().HaveCount(10);
        iterator.State.Should().Be(PagingState.Complete);
        seen.Should().HaveCount(25).And.OnlyHaveUniqueItems().And.BeEquivalentTo(expected);
    }

    /// <summary>
    /// A delta round as Graph's docs show it for users/delta: the first page by the request adapter, the rest and the
    /// delta link by the <see cref="PageIterator{TEntity, TCollectionPage}"/>, which stops in <see cref="PagingState.Delta"/>;
    /// iterating again follows the delta link and reports what changed, a deletion as an entry with <c>@removed</c>.
    /// </summary>
    [Fact]
    public async Task The_page_iterator_walks_a_delta_round_and_iterating_again_follows_its_delta_link_to_the_changes()
    {
        var writer = tenant.Writer;
        var initial = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            initial.Add((await writer.CreateAsync(GraphApi.SeedBody())).Id());
        }

        var client = ClientFor(TokenMinter.Delegated(tenant.Id, GraphApi.Read));
        var first = SummaryRequests.Delta();
        first.Headers.TryAdd("Prefer", "odata.maxpagesize=2");
        var firstPage = await client.RequestAdapter.SendAsync(
            first, CredentialUserRegistrationsSummaryDeltaResponse.CreateFromDiscriminatorValue, SummaryRequests.Errors);
        var seen = new List<CredentialUserRegistrationsSummary>();
        var requests = new List<string>();
        var iterator = PageIterator<CredentialUserRegistrationsSummary, CredentialUserRegistrationsSummaryDeltaResponse>.CreatePageIterator(
            client,
            firstPage!,
            summary =>
            {
                seen.Add(summary);
                return true;
            },
            request =>
            {
                requests.Add(request.URI.ToString());
                request.Headers.TryAdd("Prefer", "odata.maxpagesize=2");
                return request;
            });

        await iterator.IterateAsync();

        firstPage!.Value.Should().HaveCount(2);
        firstPage.OdataNextLink.Should().StartWith("http://localhost/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/delta()?");
        firstPage.OdataDeltaLink.Should().BeNull();
        requests.Should().HaveCount(2, "five summaries at two a page are three pages");
        iterator.State.Should().Be(PagingState.Delta);
        iterator.Deltalink.Should().StartWith("http://localhost/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/delta()?$deltatoken=");
        seen.Select(s => s.Id).Should().Equal(initial.Order(StringComparer.Ordinal));
        seen.Should().AllSatisfy(s =>
        {
            s.OdataType.Should().Be(CredentialUserRegistrationsSummary.TypeName);
            s.TenantDisplayName.Should().Be("Contoso Ltd");
            s.AdditionalData.Should().NotContainKey("@removed");
        });

        // Meanwhile one summary is renamed, one deleted and one created.
        var firstDeltaLink = iterator.Deltalink;
        using (var patch = await writer.PatchAsync($"{GraphApi.Summaries}/{initial[0]}", new { tenantDisplayName = "Contoso (renamed)" }))
        {
            patch.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var delete = await writer.DeleteAsync($"{GraphApi.Summaries}/{initial[1]}"))
        {
            delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        var created = (await writer.CreateAsync(GraphApi.SeedBody())).Id();
        seen.Clear();
        requests.Clear();

        await iterator.IterateAsync();

        requests.First().Should().Be(firstDeltaLink, "the iterator's next round starts at the delta link");
        iterator.State.Should().Be(PagingState.Delta);
        iterator.Deltalink.Should().NotBe(firstDeltaLink).And.Contain("$deltatoken=");
        seen.Where(s => !s.AdditionalData.ContainsKey("@removed")).Select(s => (s.Id, s.TenantDisplayName))
            .Should().BeEquivalentTo([(initial[0], "Contoso (renamed)"), (created, "Contoso Ltd")]);
        var removed = seen.Where(s => s.AdditionalData.ContainsKey("@removed")).Should().ContainSingle().Subject;
        removed.Id.Should().Be(initial[1]);
        removed.AdditionalData["@removed"].Should().BeAssignableTo<Microsoft.Kiota.Abstractions.Serialization.UntypedObject>()
            .Which.GetValue()["reason"].Should().BeOfType<Microsoft.Kiota.Abstractions.Serialization.UntypedString>()
            .Which.GetValue().Should().Be("deleted");

        seen.Clear();
        await iterator.IterateAsync();

        seen.Should().BeEmpty("nothing changed since the last round");
        iterator.State.Should().Be(PagingState.Delta);
    }

    [Fact]
    public async Task A_batch_collection_of_more_than_20_requests_is_split_and_each_answer_reads_by_id()
    {
        var batchPosts = new ConcurrentQueue<(string Path, HttpStatusCode Status)>();
        var wire = new WireTap(batchPosts) { InnerHandler = factory.Server.CreateHandler() };
        var client = new GraphServiceClient(
            GraphClientFactory.Create(finalHandler: wire),
            new BaseBearerTokenAuthenticationProvider(new StaticAccessTokenProvider(TokenMinter.Delegated(tenant.Id, GraphApi.ReadWrite), "localhost")),
            "http://localhost/v1.0");
        var existing = new List<CredentialUserRegistrationsSummary>();
        for (var i = 0; i < 3; i++)
        {
            existing.Add((await CreateAsync(client, NewSummary($"Existing {i}")))!);
        }

        var batch = new BatchRequestContentCollection(client);
        var gets = new Dictionary<string, string>();
        for (var i = 0; i < 22; i++)
        {
            var summary = existing[i % existing.Count];
            gets[await batch.AddBatchRequestStepAsync(SummaryRequests.Get(summary.Id!))] = summary.Id!;
        }

        var postId = await batch.AddBatchRequestStepAsync(SummaryRequests.Create(client.RequestAdapter, NewSummary("Batched")));
        var missingId = await batch.AddBatchRequestStepAsync(SummaryRequests.Get(Guid.NewGuid().ToString()));
        var listId = await batch.AddBatchRequestStepAsync(SummaryRequests.List("startswith(tenantDisplayName,'Existing')"));

        // The error mapping is handed on to each answer read by id, as with any request.
        var responses = await client.Batch.PostAsync(batch, CancellationToken.None, SummaryRequests.Errors);
        var statuses = await responses.GetResponsesStatusCodesAsync();
        var posted = await responses.GetResponseByIdAsync<CredentialUserRegistrationsSummary>(postId);
        var listed = await responses.GetResponseByIdAsync<CredentialUserRegistrationsSummaryCollectionResponse>(listId);
        using var missing = await responses.GetResponseByIdAsync(missingId);
        var stored = await tenant.Reader.GetSummaryAsync(posted.Id!);

        batch.BatchRequestSteps.Should().HaveCount(25);
        batchPosts.Should().Equal([("/v1.0/$batch", HttpStatusCode.OK), ("/v1.0/$batch", HttpStatusCode.OK)],
            "the SDK splits 25 steps into batches of at most 20, each posted to /v1.0/$batch");
        statuses.Should().HaveCount(25);
        foreach (var (stepId, summaryId) in gets)
        {
            statuses[stepId].Should().Be(HttpStatusCode.OK);
            (await responses.GetResponseByIdAsync<CredentialUserRegistrationsSummary>(stepId)).Id.Should().Be(summaryId);
        }

        statuses[postId].Should().Be(HttpStatusCode.Created);
        posted.TenantDisplayName.Should().Be("Batched");
        stored.GetProperty("tenantDisplayName").GetString().Should().Be("Batched");
        statuses[listId].Should().Be(HttpStatusCode.OK);
        listed.Value!.Select(s => s.Id).Should().BeEquivalentTo(existing.Select(s => s.Id));
        statuses[missingId].Should().Be(HttpStatusCode.NotFound);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await missing.Content.ReadAsStringAsync()).Should().Contain("\"code\":\"ResourceNotFound\"");
        var batchedError = (await FluentActions.Awaiting(() => responses.GetResponseByIdAsync<CredentialUserRegistrationsSummary>(missingId))
            .Should().ThrowAsync<ODataError>()).Which;
        // Graph.Core's batch response handler fills the error from the body but leaves ResponseStatusCode 0: the status is statuses[id].
        batchedError.Error!.Code.Should().Be("ResourceNotFound");
        batchedError.Error.InnerError!.RequestId.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_404_is_read_as_an_odata_error_with_code_message_and_inner_error_ids_and_date()
    {
        var client = Writer;
        var missing = Guid.NewGuid().ToString();
        var clientRequestId = Guid.NewGuid().ToString();
        var request = SummaryRequests.Get(missing);
        request.Headers.TryAdd("client-request-id", clientRequestId);
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);

        var act = () => client.RequestAdapter.SendAsync(
            request, CredentialUserRegistrationsSummary.CreateFromDiscriminatorValue, SummaryRequests.Errors);

        var error = (await act.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(404);
        error.Error!.Code.Should().Be("ResourceNotFound");
        error.Error.Message.Should().Contain(missing);
        error.Message.Should().Be(error.Error.Message);
        error.Error.InnerError!.ClientRequestId.Should().Be(clientRequestId, "Graph echoes the caller's client-request-id");
        ShouldCarryTheResponsesIds(error, before);
    }

    [Fact]
    public async Task A_400_is_read_as_an_odata_error_with_code_message_and_inner_error_ids_and_date()
    {
        var client = Writer;
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);

        var act = () => client.RequestAdapter.SendAsync(
            SummaryRequests.List("totalUserCount divby 2 eq 5"),
            CredentialUserRegistrationsSummaryCollectionResponse.CreateFromDiscriminatorValue, SummaryRequests.Errors);

        var error = (await act.Should().ThrowAsync<ODataError>()).Which;
        error.ResponseStatusCode.Should().Be(400);
        error.Error!.Code.Should().Be("BadRequest");
        error.Error.Message.Should().Contain("$filter");
        ShouldCarryTheResponsesIds(error, before);
    }

    /// <summary>Under Graph's handlers, where the network would be: records each POST to a $batch url.</summary>
    private sealed class WireTap(ConcurrentQueue<(string Path, HttpStatusCode Status)> batchPosts) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/$batch", StringComparison.Ordinal))
            {
                batchPosts.Enqueue((request.RequestUri.AbsolutePath, response.StatusCode));
            }

            return response;
        }
    }

    private static void ShouldCarryTheResponsesIds(ODataError error, DateTimeOffset before)
    {
        var inner = error.Error!.InnerError;
        inner.Should().NotBeNull();
        inner!.RequestId.Should().Be(error.ResponseHeaders["request-id"].Single());
        Guid.TryParse(inner.RequestId, out _).Should().BeTrue(inner.RequestId);
        inner.ClientRequestId.Should().Be(error.ResponseHeaders["client-request-id"].Single());
        // Graph writes the UTC time without an offset ("2026-12-01T07:32:43"), which the SDK reads as a local time:
        // its clock reading, not its offset, is what the service said.
        inner.Date.Should().NotBeNull();
        inner.Date!.Value.DateTime.Should().BeOnOrAfter(before.UtcDateTime.AddSeconds(-1)).And.BeOnOrBefore(DateTime.UtcNow.AddSeconds(2));
    }
}
