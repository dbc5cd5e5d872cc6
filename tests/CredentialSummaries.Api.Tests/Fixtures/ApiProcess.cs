using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// The built API (or a shell command that starts it) as a separate operating-system process on a free loopback
/// port: what an operator runs, with its real exit code, stdout and stderr. It can be stopped gracefully (SIGTERM)
/// or killed (SIGKILL), and disposing it always kills whatever is left of its process tree.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder errors = new();
    private readonly Lock gate = new();
    private readonly TaskCompletionSource outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource errorsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApiProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>The configuration the tests were built in (Debug or Release); the API is built in the same one.</summary>
    public static string BuildConfiguration { get; } =
        typeof(ApiProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The API as <c>dotnet build</c> of the tests left it: <c>src/CredentialSummaries.Api/bin/{configuration}/net10.0</c>.</summary>
    public static string BuiltApiDirectory { get; } =
        Path.Combine(ExternalTool.RepositoryRoot, "src", "CredentialSummaries.Api", "bin", BuildConfiguration, "net10.0");

    public static string BuiltApiPath => Path.Combine(BuiltApiDirectory, "CredentialSummaries.Api.dll");

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>What the process wrote to stdout so far.</summary>
    public string Output
    {
        get
        {
            lock (gate)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>What the process wrote to stderr so far.</summary>
    public string Errors
    {
        get
        {
            lock (gate)
            {
                return errors.ToString();
            }
        }
    }

    /// <summary>Both streams, for assertion messages.</summary>
    public string Transcript => $"--- stdout ---\n{Output}\n--- stderr ---\n{Errors}";

    /// <summary>
    /// <c>dotnet CredentialSummaries.Api.dll --urls http://127.0.0.1:{port} {arguments}</c>, from the built API's folder
    /// (its content root, where appsettings.json is), with <paramref name="environment"/> on top of this process's
    /// environment minus any ASP.NET Core settings of its own.
    /// </summary>
    public static ApiProcess StartBuiltApi(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        if (!File.Exists(BuiltApiPath))
        {
            throw new InvalidOperationException($"The API is not built at '{BuiltApiPath}'; build the solution in {BuildConfiguration} first.");
        }

        var port = FreeLoopbackPort();
        return Start(ExternalTool.DotnetHost(), [BuiltApiPath, "--urls", $"http://127.0.0.1:{port}", .. arguments], environment, BuiltApiDirectory, port);
    }

    /// <summary>
    /// The built app in Development trusting <paramref name="signingKey"/> for user-jwts tokens (no Entra ID, no user
    /// secrets: <c>HOME</c> is <paramref name="home"/>), throttling off, with <paramref name="settings"/> on top;
    /// returns once it answers, or disposes it and throws.
    /// </summary>
    public static async Task<ApiProcess> StartDevelopmentAsync(
        byte[] signingKey, string home, IReadOnlyDictionary<string, string?> settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(settings);
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["HOME"] = home,
            ["Throttling__Enabled"] = "false",
            ["AzureAd__ClientId"] = "",
            ["Authentication__Schemes__Bearer__ValidIssuer"] = DevelopmentApiFactory.UserJwtsIssuer,
            ["Authentication__Schemes__Bearer__ValidAudiences__0"] = DevelopmentApiFactory.UserJwtsAudience,
            ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = DevelopmentApiFactory.UserJwtsIssuer,
            ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(signingKey),
            ["Authentication__Schemes__Bearer__SigningKeys__0__Id"] = "process-test-key",
            ["Authentication__Schemes__Bearer__SigningKeys__0__Length"] = signingKey.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var api = StartBuiltApi(environment);
        try
        {
            await api.WaitUntilAnsweringAsync(timeout);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of this process carrying <paramref name="token"/>.</summary>
    public HttpClient ClientFor(string token, TimeSpan timeout)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// Any command that starts the API on <paramref name="port"/> (e.g. <c>bash -c '…'</c> running the commands of
    /// docs/production.md); <see cref="FreeLoopbackPort"/> gives a port to put into it.
    /// </summary>
    public static ApiProcess Start(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory, int port)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The child must not inherit the test runner's idea of the environment or of the API's settings.
        foreach (var name in start.Environment.Keys.ToArray())
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase)
                || name.Contains("__", StringComparison.Ordinal))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var api = new ApiProcess(process, port);
        process.OutputDataReceived += (_, e) => api.Append(api.output, e.Data, api.outputClosed);
        process.ErrorDataReceived += (_, e) => api.Append(api.errors, e.Data, api.errorsClosed);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start '{fileName}'.");
        }

        process.StandardInput.Close(); // no stdin, as in CI
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return api;
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Waits until the API answers its anonymous <c>$metadata</c> with 200. Fails with the transcript if the process
    /// exits first or <paramref name="timeout"/> passes (then the process is killed).
    /// </summary>
    public async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                await DrainAsync();
                throw new InvalidOperationException($"The API exited with code {process.ExitCode} before answering.\n{Transcript}");
            }

            try
            {
                using var response = await client.GetAsync($"{GraphApi.V1Root}/$metadata");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Kill();
        throw new TimeoutException($"The API did not answer within {timeout.TotalSeconds} s.\n{Transcript}");
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code; kills it and fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The process did not exit within {timeout.TotalSeconds} s.\n{Transcript}");
        }

        await DrainAsync();
        return process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager stops it, then waits for a graceful exit (SIGKILL after <paramref name="timeout"/>).</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!process.HasExited)
        {
            if (OperatingSystem.IsWindows())
            {
                Kill();
            }
            else
            {
                await ExternalTool.RunAsync("/bin/sh", ["-c", $"kill -TERM {process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}"], TimeSpan.FromSeconds(10));
            }
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL for the process and every child it started (<see cref="Process.Kill(bool)"/> on Linux): no shutdown code runs.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Nothing more can be done; the process was sent SIGKILL.
        }

        process.Dispose();
    }

    /// <summary>Waits (bounded) until stdout and stderr have been read to their end after the process exited.</summary>
    private async Task DrainAsync()
    {
        var closed = Task.WhenAll(outputClosed.Task, errorsClosed.Task);
        await Task.WhenAny(closed, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    private void Append(StringBuilder target, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (gate)
        {
            target.AppendLine(line);
        }
    }
}
