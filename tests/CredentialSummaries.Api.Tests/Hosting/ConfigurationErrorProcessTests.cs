using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Hosting;

/// <summary>
/// An operator's view of a configuration mistake: the built app, started as a process, stops with exit code 1 and
/// one message on stderr naming the key and giving an example, never with an unhandled exception (exit 134) and a
/// stack trace.
/// </summary>
public sealed class ConfigurationErrorProcessTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private readonly string directory = Path.Combine(Path.GetTempPath(), "credentialsummaries-tests", Guid.NewGuid().ToString("N"));

    public ConfigurationErrorProcessTests() => Directory.CreateDirectory(directory);

    public static TheoryData<string, string, string, string> InvalidSettings => new()
    {
        // environment, key, value, expected example
        { "Production", "AzureAd:ClientId", "", "Example: AzureAd__ClientId=" },
        { "Production", "AzureAd:Instance", " ", "Example: AzureAd__Instance=https://login.microsoftonline.com/" },
        { "Production", "AzureAd:TenantId", "", "Example: AzureAd__TenantId=organizations" },
        { "Development", "Sqlite:Synchronous", "Sometimes", "Example: Sqlite__Synchronous=Full" },
        { "Development", "Sqlite:BusyTimeoutMilliseconds", "-1", "Example: Sqlite__BusyTimeoutMilliseconds=30000" },
        { "Development", "Api:MaxRequestBodyBytes", "1MB", "Example: Api__MaxRequestBodyBytes=1048576" },
        { "Development", "Throttling:RequestsPerSecond", "0", "Example: Throttling__RequestsPerSecond=100" },
        { "Development", "Throttling:Burst", "lots", "Example: Throttling__Burst=200" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task An_invalid_setting_exits_1_with_one_message_naming_the_key_and_an_example(
        string environment, string key, string value, string example)
    {
        var (exitCode, api) = await RunToExitAsync(environment, (key, value));

        exitCode.Should().Be(1, api.Transcript);
        api.Errors.Should().Contain($"'{key}' is").And.Contain(example);
        ShouldHaveNoStackTrace(api);
    }

    [Fact]
    public async Task A_database_whose_folder_cannot_be_created_exits_1_naming_the_connection_string()
    {
        // A regular file where a folder should be: not creatable even for root, as CI runs.
        var file = Path.Combine(directory, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");

        var (exitCode, api) = await RunToExitAsync("Development", ("ConnectionStrings:Summaries", $"Data Source={file}/summaries/summaries.db"));

        exitCode.Should().Be(1, api.Transcript);
        api.Errors.Should().Contain("'ConnectionStrings:Summaries'").And.Contain("cannot be created")
            .And.Contain("Example: ConnectionStrings__Summaries=\"Data Source=");
        ShouldHaveNoStackTrace(api);
    }

    [Fact]
    public async Task A_database_path_that_is_a_folder_exits_1_naming_the_connection_string()
    {
        var (exitCode, api) = await RunToExitAsync("Development", ("ConnectionStrings:Summaries", $"Data Source={directory}"));

        exitCode.Should().Be(1, api.Transcript);
        api.Errors.Should().Contain("'ConnectionStrings:Summaries'").And.Contain("is a folder")
            .And.Contain("Example: ConnectionStrings__Summaries=\"Data Source=");
        ShouldHaveNoStackTrace(api);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_exits_1_naming_the_connection_string()
    {
        var file = Path.Combine(directory, "notes.txt");
        await File.WriteAllTextAsync(file, new string('x', 4096));

        var (exitCode, api) = await RunToExitAsync("Development", ("ConnectionStrings:Summaries", $"Data Source={file}"));

        exitCode.Should().Be(1, api.Transcript);
        api.Errors.Should().Contain("'ConnectionStrings:Summaries'").And.Contain("cannot open as a database")
            .And.Contain("Example: ConnectionStrings__Summaries=\"Data Source=");
        ShouldHaveNoStackTrace(api);
    }

    [Fact]
    public async Task Several_invalid_settings_are_reported_together()
    {
        var (exitCode, api) = await RunToExitAsync("Production",
            ("AzureAd:ClientId", ""), ("Sqlite:Synchronous", "Sometimes"), ("Throttling:Burst", "0"));

        exitCode.Should().Be(1, api.Transcript);
        api.Errors.Should().ContainAll("'AzureAd:ClientId'", "'Sqlite:Synchronous'", "'Throttling:Burst'");
        ShouldHaveNoStackTrace(api);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner takes it.
        }
    }

    internal static void ShouldHaveNoStackTrace(ApiProcess api)
    {
        var transcript = api.Output + api.Errors;
        transcript.Should().NotContain("Unhandled exception").And.NotContain("   at ").And.NotContain("Exception:", api.Transcript);
    }

    /// <summary>The built app in <paramref name="environment"/> with its own database and HOME, <paramref name="settings"/> as environment variables.</summary>
    private async Task<(int ExitCode, ApiProcess Api)> RunToExitAsync(string environment, params (string Key, string Value)[] settings)
    {
        var variables = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["HOME"] = directory,
            ["ConnectionStrings__Summaries"] = $"Data Source={Path.Combine(directory, "summaries.db")}",
            ["AzureAd__ClientId"] = environment == "Development" ? "" : TokenMinter.ClientId,
        };
        foreach (var (key, value) in settings)
        {
            variables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var api = ApiProcess.StartBuiltApi(variables);
        await using (api)
        {
            return (await api.WaitForExitAsync(ExitTimeout), api);
        }
    }
}
