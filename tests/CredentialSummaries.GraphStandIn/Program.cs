using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text.Json;

namespace CredentialSummaries.GraphStandIn;

/// <summary>
/// The canned set <c>dotnet run</c> serves: a managing tenant whose three GDAP customers each show one behaviour.
/// Tenant ids are fixed so that docs and scripts can name them.
/// </summary>
public static class DemoTenants
{
    public static readonly Guid ManagingTenantId = Guid.Parse("7f3b1c2a-9d4e-4f60-8a1b-0c2d3e4f5a60");
    public static readonly Guid ContosoId = Guid.Parse("4e1a2b3c-5d6e-4f70-9a8b-1c2d3e4f5a01");
    public static readonly Guid FabrikamId = Guid.Parse("4e1a2b3c-5d6e-4f70-9a8b-1c2d3e4f5a02");
    public static readonly Guid NorthwindId = Guid.Parse("4e1a2b3c-5d6e-4f70-9a8b-1c2d3e4f5a03");

    /// <summary>
    /// Contoso (5,000 users, Conditional Access requires MFA), Fabrikam (1,200 users, security defaults, answers 429
    /// once), Northwind (800 users, its report answers 403), customers in pages of 2 so that a collector follows a
    /// nextLink, under the default client id and secret.
    /// </summary>
    public static GraphStandInOptions Options() => new()
    {
        ManagingTenantId = ManagingTenantId,
        CustomersPageSize = 2,
        Tenants =
        [
            new StandInTenant(ManagingTenantId, "Stand-in Partner", userCount: 40, seed: 1),
            new StandInTenant(ContosoId, "Contoso", userCount: 5_000, seed: 101)
            {
                ConditionalAccessPolicies =
                [
                    StandInConditionalAccessPolicy.RequireMfa("Require MFA for all users"),
                    StandInConditionalAccessPolicy.SessionOnly("Sign-in frequency 12 hours"),
                ],
            },
            new StandInTenant(FabrikamId, "Fabrikam", userCount: 1_200, seed: 202)
            {
                Behaviour = StandInBehaviour.ThrottleOnce,
                SecurityDefaultsEnabled = true,
                ConditionalAccessPolicies =
                [
                    StandInConditionalAccessPolicy.RequireMfaStrength("MFA strength (report-only)", "enabledForReportingButNotEnforced"),
                    StandInConditionalAccessPolicy.RequireCompliantDevice("Compliant devices only"),
                ],
            },
            new StandInTenant(NorthwindId, "Northwind", userCount: 800, seed: 303)
            {
                Behaviour = StandInBehaviour.Forbidden,
                ConditionalAccessPolicies = [StandInConditionalAccessPolicy.RequireMfa("Require MFA (off)", "disabled")],
            },
        ],
    };
}

/// <summary>
/// <c>dotnet run --project tests/CredentialSummaries.GraphStandIn -- [--port 5443] [--bundle /tmp/standin-ca.pem]</c>
/// serves <see cref="DemoTenants"/> until SIGINT/SIGTERM and prints the environment a collector needs;
/// <c>--print-expected</c> prints each demo tenant's expected counts as JSON; <c>--check-trust URL</c> GETs a URL with
/// the process's default trust (what <c>SSL_CERT_FILE</c> names) and exits 0 when TLS succeeded.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: CredentialSummaries.GraphStandIn [--port N] [--bundle PATH] | --print-expected | --check-trust URL";

    public static async Task<int> Main(string[] args)
    {
        int? port = null;
        string? bundle = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--print-expected":
                    PrintExpected();
                    return 0;
                case "--check-trust" when value is not null:
                    return await CheckTrustAsync(new Uri(value));
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p):
                    port = p;
                    i++;
                    break;
                case "--bundle" when value is not null:
                    bundle = Path.GetFullPath(value);
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync(args[i] is "--help" or "-h" ? Usage : $"unexpected argument '{args[i]}'\n{Usage}");
                    return args[i] is "--help" or "-h" ? 0 : 2;
            }
        }

        var options = DemoTenants.Options();
        options.Port = port;
        options.CaBundlePath = bundle;
        await using var server = await GraphStandInServer.StartAsync(options);

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        Console.WriteLine($"SSL_CERT_FILE={server.CaBundlePath}");
        Console.WriteLine($"Collection__Authority={server.Authority.GetLeftPart(UriPartial.Authority)}");
        Console.WriteLine($"Collection__GraphBaseUrl={server.GraphBaseUrl}");
        Console.WriteLine($"Collection__ClientId={options.ClientId}");
        Console.WriteLine($"Collection__ClientSecret={options.ClientSecret}");
        Console.WriteLine($"Collection__OwnerTenantId={options.ManagingTenantId}");
        Console.WriteLine("Collection__DiscoverTenants=true");
        Console.WriteLine("Collection__ValidateAuthority=false");
        Console.WriteLine("listening; Ctrl+C to stop");

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: dispose the server and exit 0.
        }

        return 0;
    }

    private static void PrintExpected()
    {
        var options = DemoTenants.Options();
        using var json = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var tenant in options.Tenants)
        {
            var counts = tenant.ExpectedCounts();
            json.WriteStartObject();
            json.WriteString("tenantId", tenant.TenantId);
            json.WriteString("tenantDisplayName", tenant.DisplayName);
            json.WriteString("behaviour", tenant.Behaviour.ToString());
            json.WriteBoolean("securityDefaultsEnabled", tenant.SecurityDefaultsEnabled);
            json.WriteNumber("totalUserCount", counts.TotalUserCount);
            json.WriteNumber("mfaRegisteredUserCount", counts.MfaRegisteredUserCount);
            json.WriteNumber("ssprRegisteredUserCount", counts.SsprRegisteredUserCount);
            json.WriteNumber("ssprEnabledUserCount", counts.SsprEnabledUserCount);
            json.WriteNumber("mfaAndSsprCapableUserCount", counts.MfaAndSsprCapableUserCount);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.Flush();
        Console.WriteLine();
    }

    private static async Task<int> CheckTrustAsync(Uri url)
    {
        using var client = new HttpClient();
        try
        {
            using var response = await client.GetAsync(url);
            Console.WriteLine($"TLS ok: {(int)response.StatusCode} {response.StatusCode}");
            return 0;
        }
        catch (HttpRequestException e) when (e.InnerException is AuthenticationException)
        {
            Console.WriteLine($"TLS refused: {e.InnerException.Message}");
            return 1;
        }
    }
}
