using System.Globalization;
using CredentialSummaries.Api.Collection;
using CredentialSummaries.Api.Dashboard;
using CredentialSummaries.Api.Graph;
using CredentialSummaries.Api.Operations;
using CredentialSummaries.Api.Persistence;
using CredentialSummaries.Api.Persistence.Sqlite;

namespace CredentialSummaries.Api.Hosting;

/// <summary>One setting that stops start-up: its key, what is wrong with it, and a value that would work.</summary>
public sealed record ConfigurationProblem(string Key, string Problem, string ExampleValue)
{
    /// <summary>The example as an environment variable (<c>:</c> becomes <c>__</c>), quoted when it holds a space.</summary>
    public string Example => $"{Key.Replace(":", "__", StringComparison.Ordinal)}={(ExampleValue.Contains(' ', StringComparison.Ordinal) ? $"\"{ExampleValue}\"" : ExampleValue)}";

    public override string ToString() => $"'{Key}' {Problem} Example: {Example}";
}

/// <summary>
/// Start-up refused because of the configuration. Program.cs catches this type only, prints <see cref="Exception.Message"/>
/// on stderr (one line per setting, no stack trace) and exits with code 1; every other exception is a real fault.
/// </summary>
#pragma warning disable CA1032 // Only ever built from the problems found; the parameterless forms would say nothing.
public sealed class StartupConfigurationException(IReadOnlyList<ConfigurationProblem> problems) : InvalidOperationException(Describe(problems))
#pragma warning restore CA1032
{
    public IReadOnlyList<ConfigurationProblem> Problems { get; } = problems;

    private static string Describe(IReadOnlyList<ConfigurationProblem> problems) =>
        "CredentialSummaries cannot start: the configuration is invalid (see docs/configuration.md).\n" +
        string.Join('\n', problems.Select(p => "  " + p));
}

/// <summary>
/// The start-up configuration check: every setting the API reads, judged once before anything is built, so that a
/// missing or invalid value is one message naming the key instead of an exception from deep inside the host.
/// </summary>
public static class StartupConfiguration
{
    public const string AzureAdSection = "AzureAd";

    /// <summary>
    /// Throws <see cref="StartupConfigurationException"/> listing every problem found. <paramref name="collecting"/>: the
    /// <c>collect</c> command, which serves no request (so needs no <c>AzureAd</c> settings) and needs the collector's.
    /// </summary>
    public static void Validate(IConfiguration configuration, IHostEnvironment environment, bool collecting = false)
    {
        var problems = new List<ConfigurationProblem>();
        if (!collecting)
        {
            CheckAzureAd(configuration.GetSection(AzureAdSection), environment, problems);
        }

        CollectionOptions.Check(configuration, collecting, problems);
        CheckTimeSpan(configuration, $"{DashboardOptions.Section}:{nameof(DashboardOptions.StaleAfter)}", TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650),
            "2.00:00:00", "how old a summary may be before the dashboard badges it stale", problems);
        CheckNumber(configuration, $"{DashboardOptions.Section}:{nameof(DashboardOptions.WeakBelowPercent)}", 0, 100, "50",
            "the MFA-registered percentage below which the dashboard calls a tenant weak", problems);
        CheckHttpsUrl(configuration, $"{DashboardOptions.Section}:{nameof(DashboardOptions.Authority)}", "https://login.microsoftonline.com/organizations", problems);

        CheckEnum<SqliteSynchronous>(configuration, $"{SqliteOptions.Section}:{nameof(SqliteOptions.Synchronous)}", "Full", problems);
        CheckInteger(configuration, $"{SqliteOptions.Section}:{nameof(SqliteOptions.BusyTimeoutMilliseconds)}", 1, int.MaxValue, "30000",
            "a writer's wait for another writer's lock", problems);
        CheckInteger(configuration, $"{GraphCompatibilityOptions.Section}:{nameof(GraphCompatibilityOptions.MaxRequestBodyBytes)}", 1, long.MaxValue,
            "1048576", "the largest request body in bytes", problems);
        CheckBoolean(configuration, $"{ThrottlingOptions.Section}:{nameof(ThrottlingOptions.Enabled)}", "false", problems);
        CheckInteger(configuration, $"{ThrottlingOptions.Section}:{nameof(ThrottlingOptions.RequestsPerSecond)}", 1, int.MaxValue, "100",
            "each tenant's sustained budget; Throttling:Enabled=false turns throttling off", problems);
        CheckInteger(configuration, $"{ThrottlingOptions.Section}:{nameof(ThrottlingOptions.Burst)}", 1, int.MaxValue, "200",
            "the requests a tenant may make at once", problems);
        CheckInteger(configuration, $"{ThrottlingOptions.Section}:{nameof(ThrottlingOptions.Instances)}", 1, 10_000, "3",
            "how many instances share the budget behind one load balancer", problems);
        CheckInteger(configuration, $"{ShutdownOptions.Section}:{nameof(ShutdownOptions.ShutdownTimeoutSeconds)}", 0, 3600, "30",
            "how long requests in flight may take to finish at shutdown", problems);
        CheckInteger(configuration, $"{ShutdownOptions.Section}:{nameof(ShutdownOptions.ShutdownDrainSeconds)}", 0, 300, "5",
            "how long /readyz is 503 before the listener closes at shutdown", problems);
        CheckInteger(configuration, $"{RetentionOptions.Section}:{nameof(RetentionOptions.HistoryDays)}", 1, MaxRetentionDays, "400",
            "how many days the history of counts is kept", problems);
        CheckInteger(configuration, $"{RetentionOptions.Section}:{nameof(RetentionOptions.DeltaTokenDays)}", 1, MaxRetentionDays, "30",
            "how many days a delta link and the tombstones it reads are kept", problems);
        CheckTimeSpan(configuration, $"{RetentionOptions.Section}:{nameof(RetentionOptions.SweepInterval)}", TimeSpan.FromSeconds(1), TimeSpan.FromDays(30),
            "01:00:00", "how often the retention sweep runs", problems);
        CheckDatabase(configuration, environment.ContentRootPath, problems);

        if (problems.Count > 0)
        {
            throw new StartupConfigurationException(problems);
        }
    }

    /// <summary>The database named by <c>ConnectionStrings:Summaries</c> cannot be used (found when migrating).</summary>
    public static StartupConfigurationException DatabaseUnusable(string problem, string exampleConnectionString) =>
        new([new ConfigurationProblem(DatabaseKey, problem, exampleConnectionString)]);

    private const string DatabaseKey = $"ConnectionStrings:{PersistenceExtensions.ConnectionStringName}";

    private static void CheckAzureAd(IConfigurationSection azureAd, IHostEnvironment environment, List<ConfigurationProblem> problems)
    {
        if (!environment.IsDevelopment())
        {
            (string Key, string Meaning, string Example)[] required =
            [
                ("Instance", "the Entra ID authority host", "https://login.microsoftonline.com/"),
                ("TenantId", "'organizations' accepts any customer's managing tenant", "organizations"),
                ("ClientId", "the API's application (client) id, which tokens must carry as audience", "6e2f3a1b-0c4d-4e5f-8a9b-1c2d3e4f5a6b"),
            ];
            foreach (var (key, meaning, example) in required.Where(r => string.IsNullOrWhiteSpace(azureAd[r.Key])))
            {
                problems.Add(new($"{AzureAdSection}:{key}",
                    $"is missing ({meaning}). Outside the Development environment the API accepts only Microsoft Entra ID " +
                    "tokens and has no anonymous mode.", example));
            }
        }

        var instance = azureAd["Instance"];
        if (!string.IsNullOrWhiteSpace(instance)
            && !(Uri.TryCreate(instance, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            problems.Add(new($"{AzureAdSection}:Instance", $"is '{instance}', which is not an absolute https URL.", "https://login.microsoftonline.com/"));
        }
    }

    private static void CheckEnum<TEnum>(IConfiguration configuration, string key, string example, List<ConfigurationProblem> problems)
        where TEnum : struct, Enum
    {
        var value = configuration[key];
        if (value is not null && !Enum.GetNames<TEnum>().Any(name => name.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add(new(key, $"is '{value}', which is not one of {string.Join(", ", Enum.GetNames<TEnum>())}.", example));
        }
    }

    private static void CheckInteger(
        IConfiguration configuration, string key, long minimum, long maximum, string example, string meaning, List<ConfigurationProblem> problems)
    {
        var value = configuration[key];
        if (value is not null
            && !(long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= minimum && number <= maximum))
        {
            problems.Add(new(key, $"is '{value}', which is not a whole number from {minimum} to {maximum} ({meaning}).", example));
        }
    }

    private static void CheckNumber(
        IConfiguration configuration, string key, double minimum, double maximum, string example, string meaning, List<ConfigurationProblem> problems)
    {
        var value = configuration[key];
        if (value is not null
            && !(double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= minimum && number <= maximum))
        {
            problems.Add(new(key, $"is '{value}', which is not a number from {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)} ({meaning}).", example));
        }
    }

    private static void CheckHttpsUrl(IConfiguration configuration, string key, string example, List<ConfigurationProblem> problems)
    {
        var value = configuration[key];
        if (!string.IsNullOrEmpty(value) && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            problems.Add(new(key, $"is '{value}', which is not an absolute https URL.", example));
        }
    }

    /// <summary>A hundred years: any longer is no retention at all, and a date that far back is out of range.</summary>
    private const int MaxRetentionDays = 36_500;

    private static void CheckTimeSpan(
        IConfiguration configuration, string key, TimeSpan minimum, TimeSpan maximum, string example, string meaning, List<ConfigurationProblem> problems)
    {
        var value = configuration[key];
        if (value is not null
            && !(TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= minimum && span <= maximum))
        {
            problems.Add(new(key,
                $"is '{value}', which is not a duration (days.hh:mm:ss) from {minimum.ToString("c", CultureInfo.InvariantCulture)} to {maximum.ToString("c", CultureInfo.InvariantCulture)} ({meaning}).",
                example));
        }
    }

    private static void CheckBoolean(IConfiguration configuration, string key, string example, List<ConfigurationProblem> problems)
    {
        var value = configuration[key];
        if (value is not null && !bool.TryParse(value, out _))
        {
            problems.Add(new(key, $"is '{value}', which is neither true nor false.", example));
        }
    }

    private static void CheckDatabase(IConfiguration configuration, string contentRoot, List<ConfigurationProblem> problems)
    {
        var provider = PersistenceExtensions.Provider(configuration);
        if (provider is null)
        {
            problems.Add(new(PersistenceExtensions.ProviderKey,
                $"is '{configuration[PersistenceExtensions.ProviderKey]}', which is not one of {string.Join(", ", Enum.GetNames<StoreProvider>())}.",
                nameof(StoreProvider.PostgreSql)));
            return;
        }

        if (PersistenceExtensions.DescribeInvalidConnectionString(configuration, contentRoot) is { } problem)
        {
            problems.Add(new(DatabaseKey, problem, PersistenceExtensions.ExampleConnectionString(provider)));
        }
    }
}
