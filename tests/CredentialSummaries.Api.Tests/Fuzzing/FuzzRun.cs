using System.Diagnostics;
using CredentialSummaries.Api.Tests.Fixtures;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CredentialSummaries.Api.Tests.Fuzzing;

/// <summary>
/// Runs one fuzz property with FsCheck: cases from the generator, shrunk with <see cref="FuzzCase.Shrink"/>
/// on failure, seeded by <see cref="FuzzHost.RunSeed"/> (each test with its own stream), and reported to the test
/// output and <see cref="ReliabilityReport"/>: seed, cases run, 5xx count.
/// </summary>
public static class FuzzRun
{
    public static async Task CheckAsync(FuzzHost host, ITestOutputHelper output, string test, ulong stream, int cases, Gen<FuzzCase> gen)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(output);
        var seed = FuzzHost.RunSeed;
        var tally = new FuzzTally();
        var property = Prop.ForAll(Arb.From(gen, FuzzCase.Shrink), (FuzzCase fuzzCase) =>
        {
            if (host.CheckAsync(fuzzCase, tally).GetAwaiter().GetResult() is { } failure)
            {
                throw new FuzzFailureException(failure);
            }
        });
        // SplitMix needs an odd gamma; a test's stream keeps its cases its own when tests are added or run alone.
        var replay = new Replay(new Rnd(seed, (stream * 0x9E3779B97F4A7C15UL) | 1), FSharpOption<int>.None);
        var config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true).WithReplay(FSharpOption<Replay>.Some(replay));

        var watch = Stopwatch.StartNew();
        Exception? failed = null;
        try
        {
            // Off xunit's synchronization context: each case blocks on the in-memory server.
            await Task.Run(() => Check.One(test, config, property));
        }
        catch (Exception ex)
        {
            failed = ex;
        }

        var line = ReliabilityReport.Append(test,
            $"seed={seed} (replay with {FuzzHost.SeedVariable}={seed}), {tally}, {watch.Elapsed.TotalSeconds:F1} s{(failed is null ? "" : ", FAILED")}");
        output.WriteLine(line);
        if (failed is not null)
        {
            output.WriteLine(failed.ToString());
            throw new XunitException($"{line}\n{failed.Message}");
        }
    }
}

public sealed class FuzzFailureException : Exception
{
    public FuzzFailureException()
    {
    }

    public FuzzFailureException(string message)
        : base(message)
    {
    }

    public FuzzFailureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
