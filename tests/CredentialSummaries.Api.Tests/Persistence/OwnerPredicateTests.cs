using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Persistence;

/// <summary>
/// Every statement the service sends about summaries names their owner, so the table can be distributed by owner
/// (Citus routes each statement to one shard) and no statement can reach across owners. Checked on the SQL EF Core
/// really sends, captured from its command log, over a run of every kind of request.
/// </summary>
public sealed class OwnerPredicateTests
{
    private const string Table = "\"CredentialUserRegistrationsSummaries\"";

    [Fact]
    public async Task Every_statement_about_summaries_sent_for_every_kind_of_request_carries_the_owner()
    {
        using var capturing = new SqlCapturingFactory();
        var tenant = new TestTenant(capturing);
        var writer = tenant.Writer;
        // Start the host first: its migrations are schema statements, not statements a request sends.
        using (var metadata = await writer.GetAsync(GraphApi.V1Root + "/$metadata"))
        {
            metadata.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        capturing.Entries.Clear();

        var created = await writer.CreateAsync();
        var id = created.Id();
        var etag = created.GetProperty("@odata.etag").GetString()!;
        var second = await writer.CreateAsync();

        foreach (var url in new[]
                 {
                     $"{GraphApi.Summaries}/{id}", $"{GraphApi.Summaries}('{id}')", $"{GraphApi.Summaries}/{id}/tenantDisplayName",
                     $"{GraphApi.Summaries}/{id}/tenantDisplayName/$value", $"{GraphApi.Summaries}/$count",
                     $"{GraphApi.Summaries}/$count?$filter=totalUserCount gt 1",
                     $"{GraphApi.Summaries}?$filter=totalUserCount gt 1&$orderby=tenantDisplayName&$select=tenantId&$top=5&$skip=0&$count=true",
                     $"{GraphApi.Summaries}?$search=\"contoso\"",
                     $"{GraphApi.Summaries}?$compute=totalUserCount sub mfaRegisteredUserCount as gap&$select=gap",
                     $"{GraphApi.Summaries}?$apply=groupby((securityDefaultsEnabled),aggregate($count as tenants))",
                     $"{GraphApi.BetaSummaries}?$top=1&$orderby=tenantDisplayName desc",
                 })
        {
            using var response = await writer.GetAsync(url);
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"{url}: {await response.Content.ReadAsStringAsync()}");
        }

        using (var firstPage = await writer.SendAsync(GraphApi.Request(HttpMethod.Get, GraphApi.Summaries, null, ("Prefer", "odata.maxpagesize=1"))))
        {
            var next = (await firstPage.ReadJsonAsync()).GetProperty("@odata.nextLink").GetString()!;
            using var nextPage = await writer.GetAsync(next);
            nextPage.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var patch = await writer.PatchAsync($"{GraphApi.Summaries}/{id}", new { mfaRegisteredUserCount = 1 }, ("If-Match", etag)))
        {
            patch.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var stale = await writer.PatchAsync($"{GraphApi.Summaries}/{id}", new { mfaRegisteredUserCount = 2 }, ("If-Match", etag)))
        {
            stale.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        }

        var answers = await writer.BatchAsync(
        [
            GraphBatch.Request("1", "PATCH", $"{GraphBatch.Summaries}/{id}", new { tenantLicenseType = "AADPremium2" }),
            GraphBatch.Request("2", "GET", GraphBatch.Summaries + "?$count=true"),
        ]);
        answers.Values.Should().OnlyContain(a => a.Status() == 200);
        using (var odataBatch = await writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
                   new ChangeSet(new MultipartRequest("POST", GraphApi.Summaries, GraphApi.SeedBody())),
                   new MultipartRequest("GET", $"{GraphApi.Summaries}/{second.Id()}"))))
        {
            (await ODataBatch.ReadMultipartAsync(odataBatch)).Select(p => p.Status).Should().Equal(201, 200);
        }

        using (var deleteStale = await writer.SendAsync(GraphApi.Request(HttpMethod.Delete, $"{GraphApi.Summaries}/{second.Id()}", null, ("If-Match", "W/\"stale\""))))
        {
            deleteStale.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        }

        using (var delete = await writer.DeleteAsync($"{GraphApi.Summaries}/{second.Id()}"))
        {
            delete.StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        // The failed INSERT of a 409 is logged as a command error and judged like the others. A statement sent right
        // after it is captured too (SqlCapturingFactory turns off the EF Core logging cache that used to hide it).
        using (var conflict = await writer.PostAsync(GraphApi.Summaries, GraphApi.SeedBody(created.GetProperty("tenantId").GetString())))
        {
            conflict.StatusCode.Should().Be(HttpStatusCode.Conflict);
        }

        var beforeLastRead = capturing.Commands.Count();
        using (var lastRead = await writer.GetAsync($"{GraphApi.Summaries}/{id}"))
        {
            lastRead.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        capturing.Commands.Count().Should().BeGreaterThan(beforeLastRead, "the read after the failed statement is captured as well");

        var statements = capturing.Commands.Select(SqlOf)
            .Where(sql => sql.Contains(Table, StringComparison.Ordinal) && !sql.TrimStart().StartsWith("CREATE ", StringComparison.Ordinal))
            .ToArray();
        foreach (var verb in new[] { "SELECT", "INSERT INTO", "UPDATE", "DELETE FROM" })
        {
            statements.Should().Contain(sql => sql.Contains(verb, StringComparison.Ordinal), $"the run sends at least one {verb}");
        }

        statements.Should().OnlyContain(sql => CarriesOwner(sql),
            "every statement about summaries must name the owner; offending: {0}",
            string.Join("\n---\n", statements.Where(sql => !CarriesOwner(sql))));
    }

    // A read, update or delete filters on the owner; an insert writes the owner column.
    private static bool CarriesOwner(string sql) =>
        sql.Contains("\"OwnerTenantId\" =", StringComparison.Ordinal)
        || (sql.Contains("INSERT INTO", StringComparison.Ordinal) && sql.Contains("\"OwnerTenantId\"", StringComparison.Ordinal));

    // EF's log line is "Executed DbCommand (…) [Parameters=[…], …]" and then the SQL on the following lines.
    private static string SqlOf(string message) => message[(message.IndexOf('\n', StringComparison.Ordinal) + 1)..];
}
