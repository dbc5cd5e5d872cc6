using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "CredentialUserRegistrationsSummarySnapshots",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    OwnerTenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    SummaryId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    TenantDisplayName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    TenantLicenseType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    MfaAndSsprCapableUserCount = table.Column<int>(type: "INTEGER", nullable: false),
                    SsprEnabledUserCount = table.Column<int>(type: "INTEGER", nullable: false),
                    MfaRegisteredUserCount = table.Column<int>(type: "INTEGER", nullable: false),
                    SsprRegisteredUserCount = table.Column<int>(type: "INTEGER", nullable: false),
                    MfaExcludedUserCount = table.Column<int>(type: "INTEGER", nullable: false),
                    TotalUserCount = table.Column<int>(type: "INTEGER", nullable: false),
                    SecurityDefaultsEnabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    MfaConditionalAccessPolicyState = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    LastRefreshedDateTime = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RecordedDateTime = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Month = table.Column<string>(type: "TEXT", maxLength: 7, nullable: false),
                    MfaRegisteredShare = table.Column<double>(type: "REAL", nullable: false),
                    SsprRegisteredShare = table.Column<double>(type: "REAL", nullable: false),
                    PreviousMonthMfaRegisteredShare = table.Column<double>(type: "REAL", nullable: true),
                    ChangeVersion = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialUserRegistrationsSummarySnapshots", x => new { x.OwnerTenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "OwnerChangeCounters",
                columns: table => new
                {
                    OwnerTenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OwnerChangeCounters", x => x.OwnerTenantId);
                });

            migrationBuilder.CreateTable(
                name: "SummaryTombstones",
                columns: table => new
                {
                    OwnerTenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ChangeVersion = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletedDateTime = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SummaryTombstones", x => new { x.OwnerTenantId, x.Id });
                });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_ChangeVersion",
                table: "CredentialUserRegistrationsSummaries",
                columns: new[] { "OwnerTenantId", "ChangeVersion" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_OwnerTenantId_Month",
                table: "CredentialUserRegistrationsSummarySnapshots",
                columns: new[] { "OwnerTenantId", "Month" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_OwnerTenantId_SummaryId",
                table: "CredentialUserRegistrationsSummarySnapshots",
                columns: new[] { "OwnerTenantId", "SummaryId" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummarySnapshots_OwnerTenantId_TenantId_Month",
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
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_ChangeVersion",
                table: "CredentialUserRegistrationsSummaries");

            migrationBuilder.DropColumn(
                name: "ChangeVersion",
                table: "CredentialUserRegistrationsSummaries");
        }
    }
}
