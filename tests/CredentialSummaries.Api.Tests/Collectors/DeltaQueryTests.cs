using System.Net;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CredentialSummaries.Api.Tests.Collectors;

/// <summary>
/// Graph's delta query on <c>…/credentialUserRegistrationsSummaries/delta()</c>: the initial round, the rounds after
/// it (created, changed and deleted summaries of the caller only), the query options Graph allows on delta, and the
/// tokens (opaque, owner-bound, expiring, honoured by another instance).
/// </summary>
public sealed class DeltaQueryTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private const string Delta = GraphApi.Summaries + "/delta()";

    [Fact]
    public async Task A_delta_round_reports_exactly_the_owners_creates_patches_and_deletes_since_the_delta_link_across_pages()
    {
        var a = new TestTenant(factory);
        var b = new TestTenant(factory);
        var initial = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            initial.Add((await a.Writer.CreateAsync(Body($"A initial {i}", 100 + i))).Id());
        }

        // B's rows, one with the same id as one of A's (ids are unique per owner).
        var shared = initial[1];
        await b.Writer.CreateAsync(Body("B shared", 900, id: shared));
        var bOther = (await b.Writer.CreateAsync(Body("B other", 901))).Id();

        // The initial round: every row of A, by id, two a page, three pages, the last with the delta link.
        var (firstPages, deltaLink) = await WalkAsync(a.Reader, Delta, pageSize: 2);
        firstPages.Should().HaveCount(3);
        firstPages.SelectMany(p => p).Select(e => e.Id()).Should().Equal(initial.Order(StringComparer.Ordinal));
        firstPages.SelectMany(p => p).Should().AllSatisfy(e =>
        {
            e.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
            e.GetProperty("tenantDisplayName").GetString().Should().StartWith("A initial");
            e.TryGetProperty("@removed", out _).Should().BeFalse();
        });

        // A creates 2, patches 2, deletes 2 (one of them just created); B writes its own rows, the shared id included.
        var created = new[] { (await a.Writer.CreateAsync(Body("A new 0", 200))).Id(), (await a.Writer.CreateAsync(Body("A new 1", 201))).Id() };
        await PatchAsync(a.Writer, initial[0], "A patched 0");
        await PatchAsync(a.Writer, shared, "A patched shared");
        await DeleteAsync(a.Writer, initial[2]);
        await DeleteAsync(a.Writer, created[1]);
        await b.Writer.CreateAsync(Body("B new", 902));
        await PatchAsync(b.Writer, shared, "B patched shared");
        await DeleteAsync(b.Writer, bOther);
        await DeleteAsync(b.Writer, shared);

        var (changePages, nextDeltaLink) = await WalkAsync(a.Reader, deltaLink, pageSize: 2);
        changePages.Count.Should().BeGreaterThanOrEqualTo(2);
        var changes = changePages.SelectMany(p => p).ToList();
        var current = changes.Where(e => !e.TryGetProperty("@removed", out _)).ToDictionary(e => e.Id(), e => e.GetProperty("tenantDisplayName").GetString());
        current.Should().BeEquivalentTo(new Dictionary<string, string?>
        {
            [created[0]] = "A new 0",
            [initial[0]] = "A patched 0",
            [shared] = "A patched shared",
        });
        var removed = changes.Where(e => e.TryGetProperty("@removed", out _)).ToList();
        removed.Select(e => e.Id()).Should().BeEquivalentTo([initial[2], created[1]]);
        removed.Should().AllSatisfy(e =>
        {
            e.GetProperty("@removed").GetProperty("reason").GetString().Should().Be("deleted");
            e.EnumerateObject().Select(p => p.Name).Should().Equal("id", "@removed");
        });
        changes.Select(e => e.ToString()).Should().NotContain(s => s.Contains("B ", StringComparison.Ordinal) || s.Contains(bOther, StringComparison.Ordinal));
        nextDeltaLink.Should().NotBe(deltaLink);

        // Right after: nothing changed, an empty page with a new delta link.
        using var third = await a.Reader.GetAsync(nextDeltaLink);
        var thirdPage = await third.ReadJsonAsync();
        third.StatusCode.Should().Be(HttpStatusCode.OK, thirdPage.ToString());
        thirdPage.GetProperty("value").GetArrayLength().Should().Be(0);
        thirdPage.GetProperty("@odata.deltaLink").GetString().Should().Contain("/delta()?$deltatoken=");
        thirdPage.TryGetProperty("@odata.nextLink", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Select_and_filter_shape_the_round_and_a_row_that_leaves_the_filter_is_removed_as_changed()
    {
        var a = new TestTenant(factory);
        var big = (await a.Writer.CreateAsync(Body("Big", 500))).Id();
        var leaving = (await a.Writer.CreateAsync(Body("Leaving", 600))).Id();
        await a.Writer.CreateAsync(Body("Small", 5));

        var (pages, deltaLink) = await WalkAsync(a.Reader, $"{Delta}?$select=tenantDisplayName,totalUserCount&$filter=totalUserCount gt 100", pageSize: 1);
        var rows = pages.SelectMany(p => p).ToList();
        rows.Select(e => e.GetProperty("tenantDisplayName").GetString()).Should().BeEquivalentTo(["Big", "Leaving"]);
        rows.Should().AllSatisfy(e => e.EnumerateObject().Select(p => p.Name).Should()
            .Equal("@odata.type", "@odata.etag", "id", "tenantDisplayName", "totalUserCount"));
        pages.Should().HaveCount(2);

        // The entities are the list's, byte for byte, for the same $select, but for the id, which delta always writes (as Graph does).
        using var list = await a.Reader.GetAsync($"{GraphApi.Summaries}?$select=tenantDisplayName,totalUserCount&$filter=totalUserCount gt 100&$orderby=id");
        (await list.ReadJsonAsync()).GetProperty("value").EnumerateArray().Select(e => e.GetRawText())
            .Should().Equal(rows.OrderBy(e => e.Id(), StringComparer.Ordinal).Select(e => e.GetRawText().Replace($"\"id\":\"{e.Id()}\",", string.Empty, StringComparison.Ordinal)));

        await PatchAsync(a.Writer, leaving, "Left", total: 50);
        await PatchAsync(a.Writer, big, "Bigger", total: 700);
        var joining = (await a.Writer.CreateAsync(Body("Joining", 300))).Id();
        var stillSmall = (await a.Writer.CreateAsync(Body("Still small", 6))).Id();

        // The round's page size was one; this request asks for more.
        using var response = await a.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, deltaLink, null, ("Prefer", "odata.maxpagesize=10")));
        var page = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
        page.TryGetProperty("@odata.nextLink", out _).Should().BeFalse();
        page.GetProperty("@odata.context").GetString().Should().EndWith("/$metadata#credentialUserRegistrationsSummaries(tenantDisplayName,totalUserCount)");
        var entries = page.GetProperty("value").EnumerateArray().ToDictionary(e => e.Id());
        // The service keeps no past state of a row, so a row written outside the filter is reported as out of the view
        // whether it was in it before or not: a client removes what it has, and has nothing to remove for the latter.
        entries.Keys.Should().BeEquivalentTo([leaving, big, joining, stillSmall]);
        entries[stillSmall].GetProperty("@removed").GetProperty("reason").GetString().Should().Be("changed");
        entries[big].GetProperty("tenantDisplayName").GetString().Should().Be("Bigger");
        entries[joining].GetProperty("totalUserCount").GetInt32().Should().Be(300);
        entries[leaving].EnumerateObject().Select(p => p.Name).Should().Equal("@odata.type", "id", "@removed");
        entries[leaving].GetProperty("@removed").GetProperty("reason").GetString().Should().Be("changed");
        entries[big].TryGetProperty("tenantId", out _).Should().BeFalse("only the selected properties and the id are written");

        // The options are the round's: the same ones again are accepted, other ones refused.
        using var same = await a.Reader.GetAsync(page.GetProperty("@odata.deltaLink").GetString() + "&$select=tenantDisplayName,totalUserCount");
        same.StatusCode.Should().Be(HttpStatusCode.OK);
        using var other = await a.Reader.GetAsync(page.GetProperty("@odata.deltaLink").GetString() + "&$filter=totalUserCount gt 1");
        await other.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "fixed for a delta round", "delta()");

        using var badSelect = await a.Reader.GetAsync($"{Delta}?$select=riskyUserCount");
        await badSelect.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$select", "riskyUserCount");
        using var badFilter = await a.Reader.GetAsync($"{Delta}?$filter=riskyUserCount gt 1");
        await badFilter.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "$filter");
    }

    [Fact]
    public async Task A_tampered_foreign_or_garbage_token_is_a_400_and_an_expired_delta_token_is_410_sync_state_not_found()
    {
        var a = new TestTenant(factory);
        var stranger = new TestTenant(factory);
        for (var i = 0; i < 3; i++)
        {
            await a.Writer.CreateAsync(Body($"Secret {i}", 10 + i));
        }

        using var first = await a.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, Delta, null, ("Prefer", "odata.maxpagesize=1")));
        var nextLink = (await first.ReadJsonAsync()).GetProperty("@odata.nextLink").GetString()!;
        var (_, deltaLink) = await WalkAsync(a.Reader, Delta, pageSize: 100);
        var token = deltaLink.Split("$deltatoken=")[1];
        token.Should().MatchRegex("^[A-Za-z0-9_-]+$");
        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];

        foreach (var url in new[]
        {
            $"{Delta}?$deltatoken={tampered}",
            $"{Delta}?$deltatoken=garbage",
            $"{Delta}?$skiptoken=garbage",
            $"{Delta}?$skiptoken={token}",
            $"{GraphApi.Summaries}/delta()?$deltatoken={nextLink.Split("$skiptoken=")[1]}",
        })
        {
            using var response = await a.Reader.GetAsync(url);
            await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "not one this service issued", "delta()");
        }

        foreach (var url in new[] { deltaLink, nextLink })
        {
            using var foreign = await stranger.Reader.GetAsync(url);
            await foreign.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "not one this service issued");
        }

        // A month and a day later (Retention:DeltaTokenDays is 30) the same link is gone.
        using var later = new ClockFactory(factory.Database, TimeSpan.FromDays(31));
        using var expired = await later.ClientFor(TokenMinter.Delegated(a.Id, GraphApi.Read)).GetAsync(deltaLink);
        await expired.ShouldBeGraphErrorAsync(HttpStatusCode.Gone, "syncStateNotFound", "The sync state generation is not found", "expired");
        using var withinRetention = new ClockFactory(factory.Database, TimeSpan.FromDays(29));
        using var kept = await withinRetention.ClientFor(TokenMinter.Delegated(a.Id, GraphApi.Read)).GetAsync(deltaLink);
        kept.StatusCode.Should().Be(HttpStatusCode.OK, await kept.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_delta_link_is_honoured_after_a_restart_and_by_another_instance_on_the_same_database()
    {
        using var database = TestDatabase.Create();
        var owner = Guid.NewGuid().ToString();
        string deltaLink;
        string id;
        using (var first = new ClockFactory(database, TimeSpan.Zero))
        {
            var writer = first.ClientFor(TokenMinter.Delegated(owner, GraphApi.ReadWrite));
            id = (await writer.CreateAsync(Body("Before", 10))).Id();
            (_, deltaLink) = await WalkAsync(writer, Delta, pageSize: 1);
            await PatchAsync(writer, id, "After");
        }

        using var second = new ClockFactory(database, TimeSpan.Zero);
        using var third = new ClockFactory(database, TimeSpan.Zero);
        foreach (var host in new[] { second, third })
        {
            using var response = await host.ClientFor(TokenMinter.Delegated(owner, GraphApi.Read)).GetAsync(deltaLink);
            var page = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
            page.GetProperty("value").EnumerateArray().Select(e => (e.Id(), e.GetProperty("tenantDisplayName").GetString()))
                .Should().Equal((id, "After"));
        }
    }

    [Fact]
    public async Task Delta_token_latest_returns_no_rows_and_a_delta_link_that_reports_only_later_changes()
    {
        var a = new TestTenant(factory);
        await a.Writer.CreateAsync(Body("Old", 10));

        using var response = await a.Reader.GetAsync($"{GraphApi.BetaSummaries}/delta()?$deltatoken=latest");
        var page = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
        page.GetProperty("value").GetArrayLength().Should().Be(0);
        page.TryGetProperty("@odata.nextLink", out _).Should().BeFalse();
        var deltaLink = page.GetProperty("@odata.deltaLink").GetString()!;
        deltaLink.Should().StartWith($"http://localhost{GraphApi.BetaSummaries}/delta()?$deltatoken=");

        var created = (await a.Writer.CreateAsync(Body("New", 11))).Id();
        var (pages, _) = await WalkAsync(a.Reader, deltaLink, pageSize: 10);
        pages.SelectMany(p => p).Select(e => e.Id()).Should().Equal(created);
    }

    [Theory]
    [InlineData("$orderby=id")]
    [InlineData("$top=1")]
    [InlineData("$skip=1")]
    [InlineData("$count=true")]
    [InlineData("$expand=*")]
    [InlineData("$search=x")]
    [InlineData("$apply=aggregate($count as n)")]
    [InlineData("top=1")]
    public async Task A_query_option_graph_does_not_allow_on_delta_is_a_400_naming_it(string query)
    {
        var a = new TestTenant(factory);
        using var response = await a.Reader.GetAsync($"{Delta}?{query}");
        var option = "$" + query.TrimStart('$').Split('=')[0];
        await response.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", $"'{option}' is not supported on delta");
    }

    [Fact]
    public async Task A_repeated_option_a_skiptoken_with_a_deltatoken_or_an_accept_without_json_is_refused_in_graphs_shape()
    {
        var a = new TestTenant(factory);
        foreach (var query in new[] { "$deltatoken=latest&$deltatoken=latest", "$select=id&select=id" })
        {
            using var repeated = await a.Reader.GetAsync($"{Delta}?{query}");
            await repeated.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "more than once");
        }

        using var both = await a.Reader.GetAsync($"{Delta}?$deltatoken=latest&$skiptoken=x");
        await both.ShouldBeGraphErrorAsync(HttpStatusCode.BadRequest, "BadRequest", "not both");

        using var xml = await a.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, Delta, null, ("Accept", "application/xml")));
        await xml.ShouldBeGraphErrorAsync(HttpStatusCode.NotAcceptable, "NotAcceptable");
    }

    [Theory]
    [InlineData(GraphApi.Summaries + "/delta()")]
    [InlineData(GraphApi.Summaries + "/delta")]
    [InlineData(GraphApi.Summaries + "/microsoft.graph.delta()")]
    [InlineData(GraphApi.BetaSummaries + "/delta()")]
    public async Task Delta_answers_on_both_roots_with_and_without_parentheses_and_qualified(string url)
    {
        var a = new TestTenant(factory);
        var id = (await a.Writer.CreateAsync(Body("Any", 1))).Id();
        using var response = await a.Reader.GetAsync(url);
        var page = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8");
        page.GetProperty("@odata.context").GetString().Should().Be($"http://localhost{url[..url.LastIndexOf('/')].Replace("/credentialUserRegistrationsSummaries", string.Empty, StringComparison.Ordinal)}/$metadata#credentialUserRegistrationsSummaries");
        page.GetProperty("value").EnumerateArray().Select(e => e.Id()).Should().Equal(id);

        // Byte for byte the list's entity.
        using var list = await a.Reader.GetAsync(GraphApi.Summaries);
        var listed = (await list.ReadJsonAsync()).GetProperty("value")[0].GetRawText();
        page.GetProperty("value")[0].GetRawText().Should().Be(listed);

        using var anonymous = await factory.ClientFor(token: null).GetAsync(url);
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Replaying_rounds_walked_while_rows_are_written_between_pages_rebuilds_the_owners_rows_exactly()
    {
        var a = new TestTenant(factory);
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add((await a.Writer.CreateAsync(Body($"Row {i}", 10 + i))).Id());
        }

        // The client's copy, built from the rounds alone.
        var copy = new Dictionary<string, string?>(StringComparer.Ordinal);
        var url = Delta;
        var step = 0;
        for (var round = 0; round < 3; round++)
        {
            while (true)
            {
                using var response = await a.Reader.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Prefer", "odata.maxpagesize=3")));
                var page = await response.ReadJsonAsync();
                response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
                foreach (var entry in page.GetProperty("value").EnumerateArray())
                {
                    if (entry.TryGetProperty("@removed", out _))
                    {
                        copy.Remove(entry.Id());
                    }
                    else
                    {
                        copy[entry.Id()] = entry.GetProperty("tenantDisplayName").GetString();
                    }
                }

                // Between pages: a create, a patch of a row on either side of the cursor, a delete.
                step++;
                ids.Add((await a.Writer.CreateAsync(Body($"Added {step}", 50 + step))).Id());
                await PatchAsync(a.Writer, ids[step % ids.Count], $"Patched {step}");
                await PatchAsync(a.Writer, ids[^1], $"Patched last {step}");
                if (step % 2 == 0)
                {
                    await DeleteAsync(a.Writer, ids[0]);
                    ids.RemoveAt(0);
                }

                if (page.TryGetProperty("@odata.deltaLink", out var delta))
                {
                    url = delta.GetString()!;
                    break;
                }

                url = page.GetProperty("@odata.nextLink").GetString()!;
            }
        }

        // A last round after the writes stop: the copy is the owner's rows as they are.
        var (last, _) = await WalkAsync(a.Reader, url, pageSize: 3);
        foreach (var entry in last.SelectMany(p => p))
        {
            if (entry.TryGetProperty("@removed", out _))
            {
                copy.Remove(entry.Id());
            }
            else
            {
                copy[entry.Id()] = entry.GetProperty("tenantDisplayName").GetString();
            }
        }

        using var list = await a.Reader.GetAsync(GraphApi.Summaries);
        var actual = (await list.ReadJsonAsync()).GetProperty("value").EnumerateArray()
            .ToDictionary(e => e.Id(), e => e.GetProperty("tenantDisplayName").GetString());
        copy.Should().BeEquivalentTo(actual);
    }

    [Fact]
    public async Task A_summary_whose_id_is_delta_stays_reachable_by_its_parenthesised_key_and_by_writes()
    {
        var a = new TestTenant(factory);
        await a.Writer.CreateAsync(Body("Named delta", 1, id: "delta"));

        using var read = await a.Reader.GetAsync($"{GraphApi.Summaries}('delta')");
        (await read.ReadJsonAsync()).GetProperty("tenantDisplayName").GetString().Should().Be("Named delta");
        await PatchAsync(a.Writer, "delta", "Renamed delta");
        using var page = await a.Reader.GetAsync($"{GraphApi.Summaries}/delta");
        (await page.ReadJsonAsync()).GetProperty("value").EnumerateArray().Select(e => e.GetProperty("tenantDisplayName").GetString())
            .Should().Equal("Renamed delta");
        await DeleteAsync(a.Writer, "delta");
    }

    /// <summary>Follows next links from <paramref name="url"/> to the delta link, checking each page's shape.</summary>
    private static async Task<(List<List<JsonElement>> Pages, string DeltaLink)> WalkAsync(HttpClient client, string url, int pageSize)
    {
        var pages = new List<List<JsonElement>>();
        while (true)
        {
            pages.Count.Should().BeLessThan(50, "a round ends");
            using var response = await client.SendAsync(GraphApi.Request(HttpMethod.Get, url, null, ("Prefer", $"odata.maxpagesize={pageSize}")));
            var page = await response.ReadJsonAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, page.ToString());
            response.Headers.GetValues("Preference-Applied").Should().Equal($"odata.maxpagesize={pageSize}");
            page.GetProperty("@odata.context").GetString().Should().Contain("/$metadata#credentialUserRegistrationsSummaries");
            var value = page.GetProperty("value").EnumerateArray().ToList();
            value.Count.Should().BeLessThanOrEqualTo(pageSize);
            foreach (var typed in value.Where(e => !e.TryGetProperty("@removed", out var removed) || removed.GetProperty("reason").GetString() == "changed"))
            {
                typed.GetProperty("@odata.type").GetString().Should().Be(GraphApi.ODataType);
            }

            pages.Add(value);

            var hasNext = page.TryGetProperty("@odata.nextLink", out var next);
            var hasDelta = page.TryGetProperty("@odata.deltaLink", out var delta);
            (hasNext ^ hasDelta).Should().BeTrue($"a page has a next link or a delta link, never both: {page}");
            if (hasDelta)
            {
                delta.GetString().Should().Contain("/delta()?$deltatoken=");
                return (pages, delta.GetString()!);
            }

            value.Should().HaveCount(pageSize, "only the last page is short");
            next.GetString().Should().StartWith("http://localhost/").And.Contain("/delta()?$skiptoken=");
            url = next.GetString()!;
        }
    }

    private static Dictionary<string, object?> Body(string name, int total, string? id = null)
    {
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = name;
        body["totalUserCount"] = total;
        foreach (var count in new[] { "mfaAndSsprCapableUserCount", "ssprEnabledUserCount", "mfaRegisteredUserCount", "ssprRegisteredUserCount" })
        {
            body[count] = 0;
        }

        if (id is not null)
        {
            body["id"] = id;
        }

        return body;
    }

    private static async Task PatchAsync(HttpClient writer, string id, string name, int? total = null)
    {
        var body = new Dictionary<string, object?> { ["tenantDisplayName"] = name };
        if (total is not null)
        {
            body["totalUserCount"] = total;
        }

        using var response = await writer.PatchAsync($"{GraphApi.Summaries}/{id}", body);
        ((int)response.StatusCode).Should().BeInRange(200, 299, await response.Content.ReadAsStringAsync());
    }

    private static async Task DeleteAsync(HttpClient writer, string id)
    {
        using var response = await writer.DeleteAsync($"{GraphApi.Summaries}/{id}");
        response.StatusCode.Should().Be(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Another instance on <paramref name="database"/> whose clock is <paramref name="ahead"/> of the real one.</summary>
    private sealed class ClockFactory(TestDatabase database, TimeSpan ahead) : SummariesApiFactory(database)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(new AheadClock(ahead)));
        }
    }

    private sealed class AheadClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }
}
