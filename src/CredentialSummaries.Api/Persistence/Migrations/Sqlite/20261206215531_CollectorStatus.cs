using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.Sqlite
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
                    Id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    OwnerTenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    TenantDisplayName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    LastAttemptDateTime = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastCompletedDateTime = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastCollectedDateTime = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastOutcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    LastErrorCode = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    LastErrorMessage = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    LastDurationMilliseconds = table.Column<long>(type: "INTEGER", nullable: true),
                    LastUserCount = table.Column<int>(type: "INTEGER", nullable: true),
                    LeaseHolder = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    LeaseExpiresDateTime = table.Column<DateTime>(type: "TEXT", nullable: true)
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
