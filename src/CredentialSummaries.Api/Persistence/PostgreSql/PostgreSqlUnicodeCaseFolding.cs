using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CredentialSummaries.Api.Persistence.PostgreSql;

/// <summary>
/// Makes <c>lower()</c> and <c>upper()</c> fold every letter whatever the column's collation: PostgreSQL maps case
/// by the collation of its argument, and the text columns use <c>"C"</c> (bytewise order), under which only ASCII
/// letters fold. Every <see cref="string.ToLower()"/> and <see cref="string.ToUpper()"/> in a query (<c>$search</c>,
/// <c>tolower</c>, <c>toupper</c>) becomes <c>lower(x COLLATE "und-x-icu")</c>, ICU's root locale, which PostgreSQL
/// builds with ICU provide.
/// </summary>
internal sealed class PostgreSqlUnicodeCaseFolding : ExpressionVisitor, IQueryExpressionInterceptor
{
    public const string Collation = "und-x-icu";

    public static readonly PostgreSqlUnicodeCaseFolding Instance = new();

    private static readonly MethodInfo ToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;
    private static readonly MethodInfo ToUpper = typeof(string).GetMethod(nameof(string.ToUpper), Type.EmptyTypes)!;
    private static readonly MethodInfo Collate = typeof(RelationalDbFunctionsExtensions)
        .GetMethod(nameof(RelationalDbFunctionsExtensions.Collate))!.MakeGenericMethod(typeof(string));
    // A constant, as EF's own parameter extraction leaves it: the translators expect no member access here.
    private static readonly ConstantExpression Functions = Expression.Constant(EF.Functions);

    private PostgreSqlUnicodeCaseFolding()
    {
    }

    public Expression QueryCompilationStarting(Expression queryExpression, QueryExpressionEventData eventData) => Visit(queryExpression);

    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Object is { } text && (node.Method == ToLower || node.Method == ToUpper))
        {
            return Expression.Call(Expression.Call(Collate, Functions, Visit(text), Expression.Constant(Collation)), node.Method);
        }

        return base.VisitMethodCall(node);
    }
}
