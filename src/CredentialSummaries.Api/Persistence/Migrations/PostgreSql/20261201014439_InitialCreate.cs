using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.PostgreSql
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
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    OwnerTenantId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false, collation: "C"),
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
                    ConcurrencyStamp = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CredentialUserRegistrationsSummaries", x => new { x.OwnerTenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    Xml = table.Column<string>(type: "text", nullable: true, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_LastRefr~",
                table: "CredentialUserRegistrationsSummaries",
                columns: new[] { "OwnerTenantId", "LastRefreshedDateTime" });

            migrationBuilder.CreateIndex(
                name: "IX_CredentialUserRegistrationsSummaries_OwnerTenantId_TenantDi~",
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

            migrationBuilder.DropTable(
                name: "DataProtectionKeys");
        }
    }
}
