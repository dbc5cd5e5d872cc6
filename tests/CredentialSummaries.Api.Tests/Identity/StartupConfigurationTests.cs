using System.Net;
using System.Security.Cryptography;
using CredentialSummaries.Api.Hosting;
using CredentialSummaries.Api.Tests.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;

namespace CredentialSummaries.Api.Tests.Identity;

/// <summary>
/// DESIGN §4: there is never an anonymous mode; outside Development missing AzureAd settings stop start-up. The
/// start-up configuration check judged on its own; Hosting/ConfigurationErrorProcessTests runs the built app.
/// </summary>
public sealed class StartupConfigurationTests
{
    [Fact]
    public void Production_without_AzureAd_ClientId_fails_start_up_naming_the_setting()
    {
        var validate = () => Validate("Production", ("AzureAd:ClientId", ""));

        validate.Should().Throw<StartupConfigurationException>()
            .Which.Message.Should().Contain("'AzureAd:ClientId'")
            .And.Contain("Development")
            .And.Contain("Example: AzureAd__ClientId=")
            .And.NotContain("'AzureAd:Instance'")
            .And.NotContain("'AzureAd:TenantId'");
    }

    [Fact]
    public void Production_without_any_AzureAd_setting_fails_start_up_naming_each_one()
    {
        var validate = () => Validate("Production", ("AzureAd:Instance", ""), ("AzureAd:TenantId", " "), ("AzureAd:ClientId", ""));

        validate.Should().Throw<StartupConfigurationException>()
            .Which.Problems.Select(p => p.Key).Should().Equal("AzureAd:Instance", "AzureAd:TenantId", "AzureAd:ClientId");
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public void Any_environment_but_development_without_AzureAd_ClientId_fails_start_up(string environment)
    {
        var validate = () => Validate(environment, ("AzureAd:ClientId", ""));

        validate.Should().Throw<StartupConfigurationException>().Which.Message.Should().Contain("'AzureAd:ClientId'");
    }

    [Fact]
    public void Development_without_AzureAd_ClientId_starts()
    {
        var validate = () => Validate("Development", ("AzureAd:ClientId", ""));

        validate.Should().NotThrow();
    }

    [Theory]
    [InlineData("Sqlite:Synchronous", "Sometimes", "Sqlite__Synchronous=Full")]
    [InlineData("Sqlite:Synchronous", "1", "Sqlite__Synchronous=Full")]
    [InlineData("Sqlite:BusyTimeoutMilliseconds", "0", "Sqlite__BusyTimeoutMilliseconds=30000")]
    [InlineData("Sqlite:BusyTimeoutMilliseconds", "30 s", "Sqlite__BusyTimeoutMilliseconds=30000")]
    [InlineData("Api:MaxRequestBodyBytes", "1MB", "Api__MaxRequestBodyBytes=1048576")]
    [InlineData("Api:MaxRequestBodyBytes", "-1", "Api__MaxRequestBodyBytes=1048576")]
    [InlineData("Throttling:Enabled", "maybe", "Throttling__Enabled=false")]
    [InlineData("Throttling:RequestsPerSecond", "0", "Throttling__RequestsPerSecond=100")]
    [InlineData("Throttling:Burst", "many", "Throttling__Burst=200")]
    [InlineData("Hosting:ShutdownTimeoutSeconds", "-1", "Hosting__ShutdownTimeoutSeconds=30")]
    [InlineData("Hosting:ShutdownDrainSeconds", "5s", "Hosting__ShutdownDrainSeconds=5")]
    [InlineData("Retention:HistoryDays", "0", "Retention__HistoryDays=400")]
    [InlineData("Retention:HistoryDays", "400d", "Retention__HistoryDays=400")]
    [InlineData("Retention:HistoryDays", "100000", "Retention__HistoryDays=400")]
    [InlineData("Retention:DeltaTokenDays", "-1", "Retention__DeltaTokenDays=30")]
    [InlineData("Retention:SweepInterval", "00:00:00.5", "Retention__SweepInterval=01:00:00")]
    [InlineData("Retention:SweepInterval", "hourly", "Retention__SweepInterval=01:00:00")]
    [InlineData("Retention:SweepInterval", "-01:00:00", "Retention__SweepInterval=01:00:00")]
    [InlineData("ConnectionStrings:Summaries", "", "ConnectionStrings__Summaries=\"Data Source=")]
    [InlineData("ConnectionStrings:Summaries", "Server=db;Database=summaries", "ConnectionStrings__Summaries=\"Data Source=")]
    [InlineData("AzureAd:Instance", "login.microsoftonline.com", "AzureAd__Instance=https://login.microsoftonline.com/")]
    [InlineData("Database:Provider", "Postgres", "Database__Provider=PostgreSql")]
    [InlineData("Database:Provider", "1", "Database__Provider=PostgreSql")]
    [InlineData("Dashboard:StaleAfter", "48h", "Dashboard__StaleAfter=2.00:00:00")]
    [InlineData("Dashboard:StaleAfter", "00:00:00", "Dashboard__StaleAfter=2.00:00:00")]
    [InlineData("Dashboard:WeakBelowPercent", "150", "Dashboard__WeakBelowPercent=50")]
    [InlineData("Dashboard:WeakBelowPercent", "half", "Dashboard__WeakBelowPercent=50")]
    [InlineData("Dashboard:Authority", "http://login.example/organizations", "Dashboard__Authority=https://login.microsoftonline.com/organizations")]
    public void An_invalid_value_fails_start_up_naming_the_key_and_an_example(string key, string value, string example)
    {
        var validate = () => Validate("Production", (key, value));

        var problem = validate.Should().Throw<StartupConfigurationException>().Which.Problems.Should().ContainSingle().Subject;
        problem.Key.Should().Be(key);
        problem.ToString().Should().StartWith($"'{key}' is").And.Contain($"Example: {example}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Port=5432;Database=summaries;Username=summaries")]
    [InlineData("Host=db;Colour=blue")]
    public void With_postgresql_a_connection_string_without_a_server_fails_start_up_with_an_npgsql_example(string connectionString)
    {
        var validate = () => Validate("Production", ("Database:Provider", "PostgreSql"), ("ConnectionStrings:Summaries", connectionString));

        var problem = validate.Should().Throw<StartupConfigurationException>().Which.Problems.Should().ContainSingle().Subject;
        problem.Key.Should().Be("ConnectionStrings:Summaries");
        problem.ToString().Should().Contain("Example: ConnectionStrings__Summaries=Host=127.0.0.1;Port=5432;Database=summaries;");
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("PostgreSql")]
    [InlineData("SQLITE")]
    public void The_provider_is_read_ignoring_case(string provider)
    {
        var validate = () => Validate("Production",
            ("Database:Provider", provider), ("ConnectionStrings:Summaries", "Host=127.0.0.1;Database=summaries;Username=summaries"));

        if (provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            validate.Should().Throw<StartupConfigurationException>().Which.Problems.Should().ContainSingle()
                .Which.Key.Should().Be("ConnectionStrings:Summaries", "an Npgsql string is no SQLite connection string");
        }
        else
        {
            validate.Should().NotThrow();
        }
    }

    [Fact]
    public void The_smallest_retention_settings_start()
    {
        var validate = () => Validate("Production",
            ("Retention:HistoryDays", "1"), ("Retention:DeltaTokenDays", "1"), ("Retention:SweepInterval", "00:00:01"));

        validate.Should().NotThrow();
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var validate = () => Validate("Production", ("AzureAd:ClientId", ""), ("Sqlite:Synchronous", "x"), ("Throttling:Burst", "0"));

        validate.Should().Throw<StartupConfigurationException>()
            .Which.Problems.Select(p => p.Key).Should().Equal("AzureAd:ClientId", "Sqlite:Synchronous", "Throttling:Burst");
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task With_Entra_ID_configured_a_bearer_string_that_only_looks_like_a_jwt_is_a_401(string environment)
    {
        // Both the Development scheme selector and the Production user-jwts refusal read the token's issuer first.
        using var factory = new HostedAs(environment, ("AzureAd:ClientId", TokenMinter.ClientId));

        using var response = await factory.ClientFor("not.a.jwt").GetAsync(GraphApi.Summaries);

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure");
    }

    /// <summary>
    /// The check on the shipped appsettings.json (with the fixture's AzureAd settings and a database of its own),
    /// then <paramref name="overrides"/>, in <paramref name="environment"/>.
    /// </summary>
    private static void Validate(string environment, params (string Key, string? Value)[] overrides)
    {
        var directory = Path.GetDirectoryName(SummariesApiFactory.NewDatabasePath())!;
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(UserJwtsTool.ApiProjectDirectory, "appsettings.json"))
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["AzureAd:ClientId"] = TokenMinter.ClientId,
                    ["ConnectionStrings:Summaries"] = $"Data Source={Path.Combine(directory, "summaries.db")}",
                })
                .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
                .Build();
            StartupConfiguration.Validate(configuration, new HostingEnvironment { EnvironmentName = environment, ContentRootPath = directory });
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Production_with_the_AzureAd_settings_starts_and_still_requires_a_token()
    {
        using var factory = new HostedAs("Production", ("AzureAd:ClientId", TokenMinter.ClientId));
        var anonymous = factory.ClientFor(null);

        using var metadata = await anonymous.GetAsync($"{GraphApi.V1Root}/$metadata");
        using var list = await anonymous.GetAsync(GraphApi.Summaries);

        metadata.StatusCode.Should().Be(HttpStatusCode.OK, await metadata.Content.ReadAsStringAsync());
        await list.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token is empty.");
        list.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    [Fact]
    public async Task Production_ignores_user_jwts_tokens_even_when_user_jwts_settings_are_present()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        using var factory = new HostedAs("Production",
            ("AzureAd:ClientId", TokenMinter.ClientId),
            ("Authentication:Schemes:Bearer:ValidIssuer", DevelopmentApiFactory.UserJwtsIssuer),
            ("Authentication:Schemes:Bearer:ValidAudiences:0", DevelopmentApiFactory.UserJwtsAudience),
            ("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", DevelopmentApiFactory.UserJwtsIssuer),
            ("Authentication:Schemes:Bearer:SigningKeys:0:Value", Convert.ToBase64String(key)));
        var token = TokenMinter.UserJwt(key, DevelopmentApiFactory.UserJwtsAudience, Guid.NewGuid().ToString(), GraphApi.ReadWrite);

        using var response = await factory.ClientFor(token).PostAsync(GraphApi.Summaries, GraphApi.SeedBody());

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid issuer.");
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).Should().Contain("Bearer");
    }

    /// <summary>The API in <paramref name="environment"/> with the fixture's AzureAd settings, then <paramref name="overrides"/>.</summary>
    private sealed class HostedAs(string environment, params (string Key, string? Value)[] overrides) : SummariesApiFactory
    {
        protected override string EnvironmentName => environment;

        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
            base.Settings().Concat(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)));
    }
}
