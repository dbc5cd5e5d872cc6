using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>
/// One log call: its formatted message, and what else a sink could write of it — the exception's full text, the
/// structured values, and the text of every scope open at the time.
/// </summary>
public sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message)
{
    public string? Exception { get; init; }

    public IReadOnlyDictionary<string, object?> Values { get; init; } = new Dictionary<string, object?>();

    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>Everything of the entry a log sink could write, as one text.</summary>
    public string AllText => string.Join('\n', new[] { Message, Exception ?? "" }
        .Concat(Values.Select(v => $"{v.Key}={v.Value}"))
        .Concat(Scopes));
}

/// <summary>The real app with everything it logs captured, at the levels its configuration enables.</summary>
public class LogCapturingFactory : SummariesApiFactory
{
    public LogCapturingFactory()
    {
    }

    /// <summary>A host on <paramref name="database"/>, which the caller disposes.</summary>
    protected LogCapturingFactory(TestDatabase database)
        : base(database)
    {
    }

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingProvider(Entries)));
    }

    private sealed class CapturingProvider(ConcurrentQueue<LogEntry> entries) : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, entries, () => scopes);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<LogEntry> entries, Func<IExternalScopeProvider> scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => scopes().Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var open = new List<string>();
            scopes().ForEachScope((scope, list) => list.Add(Describe(scope)), open);
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value)
                : [];
            entries.Enqueue(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception))
            {
                Exception = exception?.ToString(),
                Values = values,
                Scopes = open,
            });
        }

        private static string Describe(object? scope) => scope is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) + " | " + scope
            : scope?.ToString() ?? "";
    }
}
