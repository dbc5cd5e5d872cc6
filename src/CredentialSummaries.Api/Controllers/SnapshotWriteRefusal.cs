using CredentialSummaries.Api.Edm;

namespace CredentialSummaries.Api.Controllers;

/// <summary>
/// A write to one snapshot or collection status addressed as <c>…Snapshots('{id}')</c>: the 405 with <c>Allow: GET</c> that routing gives
/// the <c>…Snapshots/{id}</c> form and the collection, and that it cannot give here. Templates of the form
/// <c>set({key})</c> are one complex segment, so routing picks the summaries' PATCH or DELETE by method first, then
/// drops them on their <c>credentialUserRegistrationsSummaries(</c> literal and finds nothing: a 404.
/// An endpoint, not an action, so that like routing's 405 it refuses the method before anything looks at the body
/// or the token (the write filter would answer a non-JSON body with 415); the status-code page writes Graph's body.
/// </summary>
public static class SnapshotWriteRefusal
{
    private static readonly string[] Writes = [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete];

    public static WebApplication MapSnapshotWriteRefusal(this WebApplication app)
    {
        foreach (var (prefix, set) in GraphEdmModel.RoutePrefixes.SelectMany(p => GraphEdmModel.ReadOnlyEntitySetNames.Select(s => (p, s))))
        {
            app.MapMethods($"{prefix}/{set}({{key}})", Writes, static context =>
                {
                    context.Response.Headers.Allow = HttpMethods.Get;
                    context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                    return Task.CompletedTask;
                })
                .AllowAnonymous();
        }

        return app;
    }
}
