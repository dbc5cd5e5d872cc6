using CredentialSummaries.Api.Model;
using Microsoft.AspNetCore.Mvc.Formatters;
using Microsoft.AspNetCore.OData.Deltas;

namespace CredentialSummaries.Api.Validation;

/// <summary>
/// A request feature: a POST or PATCH body as read once by <see cref="SummaryBody.Check"/> in
/// <c>GraphWriteRequestFilter</c>. For a plain body, its <see cref="Delta{T}"/>: ODataLib would read the same bytes
/// again into the same values (profiles put that second reading at about a third of a write's CPU). For a body with
/// <see cref="Problems"/>, the delta of its well-typed values: the action judges the rules on them (a PATCH's against
/// the stored row) and answers every problem, the body's and the rules', in one 400, writing nothing.
/// </summary>
public sealed record ReadSummaryBody(Delta<CredentialUserRegistrationsSummary> Delta, IReadOnlyList<RuleViolation> Problems)
{
    /// <summary>The problems the strict reading found in this request's body; empty when it found none (or did not read it).</summary>
    public static IReadOnlyList<RuleViolation> ProblemsOf(HttpContext context) =>
        context?.Features.Get<ReadSummaryBody>()?.Problems ?? [];
}

/// <summary>
/// Binds a <c>[FromBody] Delta&lt;CredentialUserRegistrationsSummary&gt;</c> from <see cref="ReadSummaryBody"/> when the
/// request has one; first among the input formatters, so ODataLib's formatters bind every other body as before.
/// </summary>
public sealed class ReadSummaryBodyInputFormatter : IInputFormatter
{
    public bool CanRead(InputFormatterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.ModelType == typeof(Delta<CredentialUserRegistrationsSummary>)
            && context.HttpContext.Features.Get<ReadSummaryBody>() is not null;
    }

    public Task<InputFormatterResult> ReadAsync(InputFormatterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return InputFormatterResult.SuccessAsync(context.HttpContext.Features.Get<ReadSummaryBody>()!.Delta);
    }
}
