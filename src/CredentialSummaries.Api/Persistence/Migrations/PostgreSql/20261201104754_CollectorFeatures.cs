using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CollectorFeatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ChangeVersion",
                table: "CredentialUserRegistrationsSummaries",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "CredentialUserRegistrationsSummarySnapshots",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    OwnerTenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    SummaryId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    TenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    TenantDisplayName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false, collation: "C"),
                    TenantLicenseType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true, collation: "C"),
                    MfaAndSsprCapableUserCount = table.Column<int>(type: "integer", nullable: false),
                    SsprEnabledUserCount = table.Column<int>(type: "integer", nullable: false),
                    MfaRegisteredUserCount = table.Column<int>(type: "integer", nullable: false),
                    SsprRegisteredUserCount = table.Column<int>(type: "integer", nullable: false),
                    MfaExcludedUserCount = table.Column<int>(type: "integer", nullable: false),
                    TotalUserCount = table.Column<int>(type: "integer", nullable: false),
                    SecurityDefaultsEnabled = table.Column<bool>(type: "boolean", nullable: false),
                    MfaConditionalAccessPolicyState = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true, collation: "C"),
                    LastRefreshedDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RecordedDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Month = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false, collation: "C"),
                    MfaRegisteredShare = table.Column<double>(type: "double precision", nullable: false),
                    SsprRegisteredShare = table.Column<double>(type: "double precision", nullable: false),
                    PreviousMonthMfaRegisteredShare = table.Column<double>(type: "double precision", nullable: true),
                    ChangeVersion = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialUserRegistrationsSummarySnapshots", x => new { x.OwnerTenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "OwnerChangeCounters",
                columns: table => new
                {
                    OwnerTenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OwnerChangeCounters", x => x.OwnerTenantId);
                });

            migrationBuilder.CreateTable(
                name: "SummaryTombstones",
                columns: table => new
                {
                    OwnerTenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    ChangeVersion = table.Column<long>(type: "bigint", nullable: false),
                    DeletedDateTime = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SummaryTombstones", x => new { x.OwnerTenantId, x.Id });
                });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_ChangeVe~",
                table: "CredentialUserRegistrationsSummaries",
                columns: new[] { "OwnerTenantId", "ChangeVersion" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_OwnerTenantId_M~",
                table: "CredentialUserRegistrationsSummarySnapshots",
                columns: new[] { "OwnerTenantId", "Month" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_OwnerTenantId_S~",
                table: "CredentialUserRegistrationsSummarySnapshots",
                columns: new[] { "OwnerTenantId", "SummaryId" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_OwnerTenantId_T~",
                table: "CredentialUserRegistrationsSummarySnapshots",
                columns: new[] { "OwnerTenantId", "TenantId", "Month" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_RecordedDateTime",
                table: "CredentialUserRegistrationsSummarySnapshots",
                column: "RecordedDateTime");

            migrationBuilder.CreateIndex(
                name: "IX_SummaryTombstones_DeletedDateTime",
                table: "SummaryTombstones",
                column: "DeletedDateTime");

            migrationBuilder.CreateIndex(
                name: "IX_SummaryTombstones_OwnerTenantId_ChangeVersion",
                table: "SummaryTombstones",
                columns: new[] { "OwnerTenantId", "ChangeVersion" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CredentialUserRegistrationsSummarySnapshots");

            migrationBuilder.DropTable(
                name: "OwnerChangeCounters");

            migrationBuilder.DropTable(
                name: "SummaryTombstones");

            migrationBuilder.DropIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_ChangeVe~",
                table: "CredentialUserRegistrationsSummaries");

            migrationBuilder.DropColumn(
                name: "ChangeVersion",
                table: "CredentialUserRegistrationsSummaries");
        }
    }
}
