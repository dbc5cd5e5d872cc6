using System.Net;
using CredentialSummaries.Api.Tests.Fixtures;

namespace CredentialSummaries.Api.Tests.Controllers;

public sealed class DeleteSummaryTests(SummariesApiFactory factory) : IClassFixture<SummariesApiFactory>
{
    private readonly TestTenant tenant = new(factory);

    [Fact]
    public async Task Delete_returns_204_and_the_summary_is_gone()
    {
        var created = await tenant.Writer.CreateAsync();

        using var response = await tenant.Writer.DeleteAsync($"{GraphApi.Summaries}/{created.Id()}");

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
        response.Headers.GetValues("request-id").Should().ContainSingle();
        using var after = await tenant.Reader.GetAsync($"{GraphApi.Summaries}/{created.Id()}");
        await after.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", created.Id());
    }

    [Fact]
    public async Task Delete_frees_the_tenant_id_for_a_new_summary()
    {
        var created = await tenant.Writer.CreateAsync();
        var tenantId = created.GetProperty("tenantId").GetString();
        (await tenant.Writer.DeleteAsync($"{GraphApi.Summaries}/{created.Id()}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var recreated = await tenant.Writer.CreateAsync(GraphApi.SeedBody(tenantId));

        recreated.GetProperty("tenantId").GetString().Should().Be(tenantId);
        recreated.Id().Should().NotBe(created.Id());
    }

    [Fact]
    public async Task Delete_of_an_unknown_id_returns_404()
    {
        using var response = await tenant.Writer.DeleteAsync($"{GraphApi.Summaries}/never-created");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", "never-created");
    }

    [Fact]
    public async Task Delete_twice_returns_404_the_second_time()
    {
        var created = await tenant.Writer.CreateAsync();
        (await tenant.Writer.DeleteAsync($"{GraphApi.Summaries}('{created.Id()}')")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        using var response = await tenant.Writer.DeleteAsync($"{GraphApi.Summaries}/{created.Id()}");

        await response.ShouldBeGraphErrorAsync(HttpStatusCode.NotFound, "ResourceNotFound", created.Id());
    }
}
