using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CollectorStatus : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TenantCollectionStatuses",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    OwnerTenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    TenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    TenantDisplayName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true, collation: "C"),
                    LastAttemptDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastCompletedDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastCollectedDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastOutcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, collation: "C"),
                    LastErrorCode = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true, collation: "C"),
                    LastErrorMessage = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true, collation: "C"),
                    LastDurationMilliseconds = table.Column<long>(type: "bigint", nullable: true),
                    LastUserCount = table.Column<int>(type: "integer", nullable: true),
                    LeaseHolder = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true, collation: "C"),
                    LeaseExpiresDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TenantCollectionStatuses", x => new { x.OwnerTenantId, x.Id });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TenantCollectionStatuses");
        }
    }
}
