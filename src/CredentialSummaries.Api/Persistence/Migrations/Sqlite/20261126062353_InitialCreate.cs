using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CredentialUserRegistrationsSummaries",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OwnerTenantId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
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
                    LastRefreshedDateTime = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialUserRegistrationsSummaries", x => new { x.OwnerTenantId, x.Id });
                });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_LastRefreshedDateTime",
                table: "CredentialUserRegistrationsSummaries",
                columns: new[] { "OwnerTenantId", "LastRefreshedDateTime" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_TenantDisplayName",
                table: "CredentialUserRegistrationsSummaries",
                columns: new[] { "OwnerTenantId", "TenantDisplayName" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_TenantId",
                table: "CredentialUserRegistrationsSummaries",
                columns: new[] { "OwnerTenantId", "TenantId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CredentialUserRegistrationsSummaries");
        }
    }
}
