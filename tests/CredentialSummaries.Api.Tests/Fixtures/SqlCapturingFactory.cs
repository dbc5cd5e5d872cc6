using Microsoft.AspNetCore.Hosting;

namespace CredentialSummaries.Api.Tests.Fixtures;

/// <summary>The real app with EF Core's command log turned on and captured: every SQL statement it sends.</summary>
public sealed class SqlCapturingFactory : LogCapturingFactory
{
    private const string CommandCategory = "Microsoft.EntityFrameworkCore.Database.Command";
    private const int CommandExecutedEventId = 20101;
    private const int CommandErrorEventId = 20102;

    /// <summary>The statements sent: executed ones, and ones the database refused (a unique-key violation, say).</summary>
    public IEnumerable<string> Commands =>
        Entries.Where(e => e.Category == CommandCategory && e.EventId is CommandExecutedEventId or CommandErrorEventId).Select(e => e.Message);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Logging:LogLevel:" + CommandCategory, "Debug");
    }
}
