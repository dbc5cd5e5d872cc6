using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CredentialSummaries.Api.Tests.Fixtures;
using CredentialSummaries.GraphStandIn;

namespace CredentialSummaries.Api.Tests.Collection;

/// <summary>
/// The <c>collect</c> command as a scheduler sees it: one line per tenant, exit 0 when every tenant was collected, 2 when
/// some were skipped, 1 on bad configuration; and a killed run leaves no half summary and is taken over once its lease
/// ends. The built app in its own process against the tests' Graph stand-in.
/// </summary>
public sealed class CollectCommandTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    [Fact]
    public async Task Every_tenant_collected_exits_0_with_one_collected_line_each_and_gdap_customers_are_found_over_pages()
    {
        var managing = Guid.NewGuid();
        var customers = Enumerable.Range(1, 3).Select(i => new StandInTenant(Guid.NewGuid(), $"Customer {i}", userCount: 150 * i, seed: 30 + i)).ToList();
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions
        {
            ManagingTenantId = managing,
            CustomersPageSize = 2,
            Tenants = [new StandInTenant(managing, "Partner", userCount: 5, seed: 1), .. customers],
            DelegatedAdminCustomers = [.. customers.Select(c => new StandInDelegatedAdminCustomer(c.TenantId, c.DisplayName + " (GDAP)"))],
        });
        _ = factory.ClientFor(token: null);

        var run = await CollectorProcess.RunAsync(CollectorProcess.Settings(standIn, factory.Database, managing, [],
            new Dictionary<string, string?> { ["Collection__DiscoverTenants"] = "true" }));

        run.ExitCode.Should().Be(0, run.Transcript);
        run.Lines.Should().HaveCount(3, "one line per GDAP customer, found over two pages");
        foreach (var customer in customers)
        {
            // The name GDAP gave the customer is the summary's; the counts are its report's.
            customer.DisplayName += " (GDAP)";
            run.LineFor(customer.TenantId).Should().StartWith(CollectorProcess.CollectedLine(customer, "off", "disabled"));
        }

        standIn.Counters.For(managing).ReportPageRequests.Should().Be(0, "the managing tenant is where customers are listed, not a tenant collected");
        var summaries = await factory.ClientFor(TokenMinter.Delegated(managing.ToString(), GraphApi.Read)).GetAsync($"{GraphApi.Summaries}?$count=true");
        (await summaries.ReadJsonAsync()).GetProperty("@odata.count").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task A_refused_sign_in_or_a_wrong_secret_is_a_skipped_line_with_entra_ids_code_exit_2_and_the_secret_is_never_printed()
    {
        var fine = new StandInTenant(Guid.NewGuid(), "Fine", userCount: 40, seed: 41);
        var unconsented = new StandInTenant(Guid.NewGuid(), "Unconsented", userCount: 40, seed: 42) { Behaviour = StandInBehaviour.TokenRefused };
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions { Tenants = [fine, unconsented] });
        _ = factory.ClientFor(token: null);
        var settings = CollectorProcess.Settings(standIn, factory.Database, Guid.NewGuid(), [fine.TenantId, unconsented.TenantId]);

        var run = await CollectorProcess.RunAsync(settings);

        run.ExitCode.Should().Be(2, run.Transcript);
        run.LineFor(fine.TenantId).Should().StartWith(CollectorProcess.CollectedLine(fine, "off", "disabled"));
        run.LineFor(unconsented.TenantId).Should().StartWith($"skipped {unconsented.TenantId}: AADSTS7000229 ");

        const string WrongSecret = "not-the-secret-4f1d";
        settings["Collection__ClientSecret"] = WrongSecret;
        var wrong = await CollectorProcess.RunAsync(settings);

        wrong.ExitCode.Should().Be(2, wrong.Transcript);
        wrong.Lines.Should().HaveCount(2).And.AllSatisfy(l => l.Should().StartWith("skipped "));
        wrong.LineFor(fine.TenantId).Should().StartWith($"skipped {fine.TenantId}: AADSTS7000215 ");
        (wrong.Lines.Append(wrong.Errors)).Should().NotContain(l => l.Contains(WrongSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_certificate_instead_of_a_secret_signs_in_with_a_client_assertion()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=CredentialSummaries collector", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pfx = Path.Combine(Directory.CreateTempSubdirectory("collector-certificate-").FullName, "collector.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        var tenant = new StandInTenant(Guid.NewGuid(), "Certificate Tenant", userCount: 1_200, seed: 45);
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions
        {
            Tenants = [tenant],
            ClientSecret = "a-secret-nobody-sends",
            ClientCertificate = X509CertificateLoader.LoadCertificate(certificate.RawData),
        });
        _ = factory.ClientFor(token: null);
        var settings = CollectorProcess.Settings(standIn, factory.Database, Guid.NewGuid(), [tenant.TenantId], new Dictionary<string, string?>
        {
            ["Collection__ClientCertificatePath"] = pfx,
            ["Collection__ClientCertificatePassword"] = "pfx-password",
        });
        settings.Remove("Collection__ClientSecret");

        var run = await CollectorProcess.RunAsync(settings);

        run.ExitCode.Should().Be(0, run.Transcript);
        run.LineFor(tenant.TenantId).Should().StartWith(CollectorProcess.CollectedLine(tenant, "off", "disabled"));
        standIn.Counters.For(tenant.TenantId).TokensIssued.Should().Be(1, "the stand-in issued a token for the signed assertion");
    }

    [Fact]
    public async Task A_start_without_a_client_id_exits_1_naming_the_key_before_anything_runs()
    {
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions { Tenants = [new StandInTenant(Guid.NewGuid(), "Any", 10, 1)] });
        var settings = CollectorProcess.Settings(standIn, factory.Database, Guid.NewGuid(), [standIn.Tenants.Single().TenantId]);
        settings.Remove("Collection__ClientId");

        var run = await CollectorProcess.RunAsync(settings);

        run.ExitCode.Should().Be(1, run.Transcript);
        run.Lines.Should().BeEmpty();
        run.Errors.Should().Contain("'Collection:ClientId' is missing").And.Contain("Collection__ClientId=").And.NotContain("   at ");
        standIn.Counters.TotalRequests.Should().Be(0, "nothing was signed in to or read");
    }

    [Fact]
    public async Task A_killed_run_leaves_no_half_summary_and_its_tenant_is_taken_over_once_the_lease_ends()
    {
        var owner = Guid.NewGuid();
        var tenant = new StandInTenant(Guid.NewGuid(), "Slow Tenant", userCount: 20_000, seed: 51);
        await using var standIn = await GraphStandInServer.StartAsync(new GraphStandInOptions { Tenants = [tenant], ReportPageDelay = TimeSpan.FromMilliseconds(400) });
        var reader = factory.ClientFor(TokenMinter.Delegated(owner.ToString(), GraphApi.Read));
        var settings = CollectorProcess.Settings(standIn, factory.Database, owner, [tenant.TenantId], new Dictionary<string, string?>
        {
            ["Collection__LeaseDuration"] = "00:00:15",
            ["Collection__TenantTimeout"] = "00:00:14",
        });

        await using (var doomed = CollectorProcess.Start(settings))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (standIn.Counters.For(tenant.TenantId).ReportPageRequests < 2 && !doomed.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            standIn.Counters.For(tenant.TenantId).ReportPageRequests.Should().BeGreaterThanOrEqualTo(2, doomed.Transcript);
            doomed.Kill();
            await doomed.WaitForExitAsync(TimeSpan.FromSeconds(15));
        }

        var killedAt = DateTime.UtcNow;
        (await ValuesAsync(reader, GraphApi.Summaries)).Should().BeEmpty("the summary is written in one transaction once the whole report is read");
        var status = (await ValuesAsync(reader, $"{GraphApi.V1Root}/tenantCollectionStatuses")).Single();
        status.GetProperty("lastOutcome").GetString().Should().Be("running", "the killed instance held the tenant");

        standIn.ReportPageDelay = TimeSpan.Zero;
        var whileHeld = await CollectorProcess.RunAsync(settings);
        whileHeld.Lines.Should().Equal([$"taken {tenant.TenantId}: another instance is collecting it, or collected it since this round began"], whileHeld.Transcript);

        await Task.Delay(TimeSpan.FromSeconds(15) - (DateTime.UtcNow - killedAt) + TimeSpan.FromMilliseconds(500));
        var takeover = await CollectorProcess.RunAsync(settings);

        takeover.ExitCode.Should().Be(0, takeover.Transcript);
        takeover.LineFor(tenant.TenantId).Should().StartWith(CollectorProcess.CollectedLine(tenant, "off", "disabled"));
        var summary = (await ValuesAsync(reader, GraphApi.Summaries)).Single();
        summary.GetProperty("totalUserCount").GetInt32().Should().Be(20_000);
        (await ValuesAsync(reader, $"{GraphApi.V1Root}/credentialUserRegistrationsSummarySnapshots")).Should().ContainSingle("one refresh, one snapshot");
        status = (await ValuesAsync(reader, $"{GraphApi.V1Root}/tenantCollectionStatuses")).Single();
        status.GetProperty("lastOutcome").GetString().Should().Be("collected");
        status.GetProperty("lastUserCount").GetInt32().Should().Be(20_000);
    }

    private static async Task<JsonElement[]> ValuesAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var json = await response.ReadJsonAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, json.ToString());
        return [.. json.GetProperty("value").EnumerateArray()];
    }
}
