using System.Net;
using System.Security.Cryptography;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace CredentialSummaries.Api.Tests.Operations;

/// <summary>
/// With every category logging at Trace, nothing a caller sends as a credential or as data reaches the logs: not a
/// token (valid, expired, forged, malformed, direct or batched, whole or its signature), not a body, not a query string.
/// </summary>
public sealed class SecretsNeverLoggedTests(SecretsNeverLoggedTests.TraceLoggingFactory factory)
    : IClassFixture<SecretsNeverLoggedTests.TraceLoggingFactory>
{
    /// <summary>The app with every log category at Trace, as an operator who turns everything up gets it.</summary>
    public sealed class TraceLoggingFactory : LogCapturingFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [
            .. base.Settings(),
            new("Logging:LogLevel:Default", "Trace"),
            new("Logging:LogLevel:Microsoft", "Trace"),
            new("Logging:LogLevel:Microsoft.AspNetCore", "Trace"),
            new("Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command", "Trace"),
            new("Logging:LogLevel:System", "Trace"),
        ];
    }

    [Fact]
    public async Task Tokens_bodies_and_query_strings_never_reach_any_log_at_trace_level()
    {
        var tenantId = Guid.NewGuid().ToString();
        var bodyMarker = "BodyMarker" + Guid.NewGuid().ToString("N");
        var queryMarker = "QueryMarker" + Guid.NewGuid().ToString("N");
        var valid = TokenMinter.Delegated(tenantId, GraphApi.ReadWrite);
        var expired = TokenMinter.Mint(tenantId, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite }, expires: DateTime.UtcNow.AddHours(-2));
        var forged = TokenMinter.Mint(tenantId, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite },
            key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-signing-key" });
        var foreignAudience = TokenMinter.Mint(tenantId, new Dictionary<string, object> { ["scp"] = GraphApi.ReadWrite }, audience: "api://someone-else");
        var malformed = "eyJhbGciOiJSUzI1NiJ9." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).TrimEnd('=') + ".Malformed" + Guid.NewGuid().ToString("N");
        var batchedForged = TokenMinter.Mint(tenantId, new Dictionary<string, object> { ["roles"] = new[] { GraphApi.ReadWrite } },
            key: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-signing-key" });
        string[] tokens = [valid, expired, forged, foreignAudience, malformed, batchedForged];
        factory.Entries.Clear();

        using var writer = factory.ClientFor(valid);
        var body = GraphApi.SeedBody();
        body["tenantDisplayName"] = bodyMarker;
        var created = await writer.CreateAsync(body);
        using (var patch = await writer.PatchAsync($"{GraphApi.Summaries}/{created.Id()}", new { tenantDisplayName = bodyMarker + "-renamed" }))
        {
            patch.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var rejected = await writer.PostAsync(GraphApi.Summaries, new Dictionary<string, object?> { ["tenantDisplayName"] = bodyMarker, ["unknown"] = bodyMarker }))
        {
            rejected.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        foreach (var query in new[]
        {
            $"?$filter=tenantDisplayName eq '{queryMarker}'",
            $"?$search=\"{queryMarker}\"",
            $"?$filter=startswith(tenantDisplayName,'{queryMarker}')&$orderby=tenantDisplayName&$top=5",
            $"?customOption={queryMarker}",
            $"?$filter={queryMarker} eq 1",
        })
        {
            using var response = await writer.GetAsync(GraphApi.Summaries + query);
            ((int)response.StatusCode).Should().BeOneOf(200, 400);
        }

        foreach (var token in new[] { expired, forged, foreignAudience, malformed })
        {
            using var client = factory.ClientFor(token);
            using var response = await client.GetAsync(GraphApi.Summaries + $"?$filter=tenantDisplayName eq '{queryMarker}'");
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        var answers = await writer.BatchAsync(
        [
            GraphBatch.Request("1", "POST", GraphBatch.Summaries, new Dictionary<string, object?>(GraphApi.SeedBody()) { ["tenantDisplayName"] = bodyMarker + "-batched" }),
            GraphBatch.Request("2", "GET", GraphBatch.Summaries + $"?$filter=tenantDisplayName eq '{queryMarker}'",
                headers: new() { ["Authorization"] = "Bearer " + batchedForged }),
            GraphBatch.Request("3", "GET", GraphBatch.Summaries + $"?$search=\"{queryMarker}\"",
                headers: new() { ["Authorization"] = "Bearer " + malformed }),
        ]);
        answers["1"].Status().Should().Be(201);
        answers["2"].Status().Should().Be(401);
        answers["3"].Status().Should().Be(401);

        using (var odataBatch = await writer.PostAsync(ODataBatch.V1Batch, ODataBatch.Multipart(
            new MultipartRequest("GET", $"{GraphApi.Summaries}?$filter=tenantDisplayName eq '{queryMarker}'"),
            new MultipartRequest("GET", GraphApi.Summaries, Headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + expired }),
            new ChangeSet(new MultipartRequest("POST", GraphApi.Summaries,
                new Dictionary<string, object?>(GraphApi.SeedBody()) { ["tenantDisplayName"] = bodyMarker + "-changeset" })))))
        {
            var parts = await ODataBatch.ReadMultipartAsync(odataBatch);
            parts.Select(p => p.Status).Should().Equal(200, 401, 201);
        }

        await Task.Delay(200); // lines written as requests end
        var entries = factory.Entries.ToList();
        entries.Should().Contain(e => e.Level == LogLevel.Trace, "the capture must really be at Trace level");
        entries.Select(e => e.Category).Should().Contain(c => c.StartsWith("Microsoft.AspNetCore.Authentication", StringComparison.Ordinal))
            .And.Contain(c => c.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal))
            .And.Contain("CredentialSummaries.Requests");

        string[] secrets =
        [
            .. tokens,
            .. tokens.Select(t => t.Split('.')[^1]), // the signature on its own
            .. tokens.Select(t => t.Split('.')[1]), // the claims on their own
            bodyMarker,
            queryMarker,
        ];
        foreach (var entry in entries)
        {
            var text = entry.AllText;
            foreach (var secret in secrets)
            {
                text.Contains(secret, StringComparison.Ordinal).Should().BeFalse(
                    $"{entry.Category} ({entry.Level}, event {entry.EventId}) logged a secret or customer data: {text}");
            }
        }
    }
}
