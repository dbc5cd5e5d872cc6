using CredentialSummaries.Api.Batching;
using CredentialSummaries.Api.Query;
using CredentialSummaries.Api.Controllers;
using CredentialSummaries.Api.Edm;
using CredentialSummaries.Api.Validation;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OData;
using Microsoft.AspNetCore.OData.Batch;
using Microsoft.AspNetCore.OData.Formatter.Serialization;
using Microsoft.AspNetCore.OData.Query;
using Microsoft.AspNetCore.OData.Query.Expressions;
using Microsoft.OData.UriParser;

namespace CredentialSummaries.Api.Graph;

public static class GraphCompatibilityExtensions
{
    /// <summary>
    /// MVC with OData for both service roots, built once at start-up: one EDM model, one set of options, the Graph
    /// serializer and the filters that give every error Graph's shape.
    /// </summary>
    public static IHostApplicationBuilder AddGraphOData(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<GraphCompatibilityOptions>(builder.Configuration.GetSection(GraphCompatibilityOptions.Section));
        builder.Services.AddExceptionHandler<GraphExceptionHandler>();
        builder.Services.AddSingleton<SkipTokenProtector>();
        builder.Services.AddSingleton<DeltaTokens>();

        // First, ahead of the formatters AddOData inserts: a plain write body already read by GraphWriteRequestFilter.
        builder.Services.PostConfigure<MvcOptions>(options => options.InputFormatters.Insert(0, new ReadSummaryBodyInputFormatter()));

        var model = GraphEdmModel.Build();
        builder.Services.AddSingleton(model);
        builder.Services
            .AddControllers(options =>
            {
                options.ReturnHttpNotAcceptable = true;
                // Without this, MVC treats the non-nullable Id as [Required] and refuses a POST that has no id.
                options.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true;
                options.Filters.Add<GraphWriteRequestFilter>();
                options.Filters.Add<GraphRequestBodyFilter>();
                options.Filters.Add<GraphErrorResultFilter>();
                options.Filters.Add<QueryExceptionFilter>();
            })
            .AddOData(options =>
            {
                options.Select().Filter().OrderBy().Count().SkipToken().SetMaxTop(SummaryQueryLimits.MaxTop);
                options.TimeZone = TimeZoneInfo.Utc;
                options.RouteOptions.EnableKeyInParenthesis = true;
                options.RouteOptions.EnableKeyAsSegment = true;
                // The controller is PascalCase, the entity set Graph's camelCase.
                options.RouteOptions.EnableControllerNameCaseInsensitive = true;
                options.Conventions.Add(new SummaryPropertyConvention());
                options.UrlKeyDelimiter = Microsoft.OData.ODataUrlKeyDelimiter.Slash;
                foreach (var prefix in GraphEdmModel.RoutePrefixes)
                {
                    options.AddRouteComponents(prefix, model, services => services
                        .AddSingleton<ODataResourceSerializer, GraphTypeAnnotatingSerializer>()
                        .AddSingleton<ISelectExpandBinder, ConcurrencyStampSelectBinder>()
                        .AddSingleton<ISearchBinder, TenantDisplayNameSearchBinder>()
                        // Graph accepts option and property names in any case and options without '$'
                        // (select=tenantDisplayName, $FILTER=TenantDisplayName eq '…').
                        .AddSingleton<ODataUriResolver>(new ODataUriResolver { EnableCaseInsensitive = true, EnableNoDollarQueryOptions = true })
                        .AddSingleton<SkipTokenHandler, OpaqueSkipTokenHandler>()
                        .AddSingleton<ODataBatchHandler, AtomicODataBatchHandler>());
                }
            });
        // After AddOData's own setup, which puts the OData formatters first: this one must come before them.
        builder.Services.PostConfigure<MvcOptions>(options => options.OutputFormatters.Insert(0, new CsdlMetadataFormatter()));
        return builder;
    }

    /// <summary>
    /// Graph JSON batching (<c>/v1.0/$batch</c>, <c>/beta/$batch</c>) and OData <c>$batch</c> at each service root.
    /// First in the pipeline, so that each batched request passes through everything after it, routing included.
    /// </summary>
    public static WebApplication UseGraphBatching(this WebApplication app)
    {
        app.UseMiddleware<ODataVersionNegotiationMiddleware>();
        app.UseMiddleware<GraphJsonBatchMiddleware>();
        app.UseODataBatching();
        return app;
    }

    /// <summary>Request ids first, so that every later answer, errors included, carries them.</summary>
    public static WebApplication UseGraphCompatibility(this WebApplication app)
    {
        app.UseMiddleware<GraphRequestIdMiddleware>();
        // Graph answers …/delta as well as …/delta(); OData's routes have one or the other, so the first becomes the second.
        app.Use((context, next) =>
        {
            DeltaRoutes.AddParentheses(context.Request);
            return next(context);
        });
        // GraphExceptionHandler answers every exception; the fallback only satisfies the middleware's need for one
        // without registering ProblemDetails, which MVC would otherwise use for its own 406 bodies.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => GraphError.ForStatus(StatusCodes.Status500InternalServerError, context.Request).WriteAsync(context),
        });
        app.UseStatusCodePages(context => GraphError.ForStatus(context.HttpContext.Response.StatusCode, context.HttpContext.Request)
            .WriteAsync(context.HttpContext));
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        return app;
    }
}

/// <summary>The delta function's paths without parentheses (<c>…/delta</c>, <c>…/microsoft.graph.delta</c>), which Graph also answers.</summary>
public static class DeltaRoutes
{
    private static readonly string[] Endings =
    [
        $"/{GraphEdmModel.EntitySetName}/{GraphEdmModel.DeltaFunctionName}",
        $"/{GraphEdmModel.EntitySetName}/{GraphEdmModel.GraphNamespace}.{GraphEdmModel.DeltaFunctionName}",
    ];

    /// <summary>
    /// Only reads: a PATCH or DELETE of <c>…/credentialUserRegistrationsSummaries/delta</c> still addresses the summary
    /// whose id is <c>delta</c> (which a GET reaches as <c>…/credentialUserRegistrationsSummaries('delta')</c>).
    /// </summary>
    public static void AddParentheses(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Value;
        if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && path is not null && Array.Exists(Endings, e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            request.Path = new PathString(path + "()");
        }
    }
}

public static class SummaryQueryLimits
{
    public const int PageSize = 100;
    public const int MaxTop = 999;
}
