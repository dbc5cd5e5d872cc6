using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CredentialSummaries.Api.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConcurrencyStamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ConcurrencyStamp",
                table: "CredentialUserRegistrationsSummaries",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            // Rows written before this migration get a stamp of their own, so their first ETag is not shared.
            migrationBuilder.Sql(
                "UPDATE \"CredentialUserRegistrationsSummaries\" SET \"ConcurrencyStamp\" = lower(hex(randomblob(16))) WHERE \"ConcurrencyStamp\" = '';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ConcurrencyStamp",
                table: "CredentialUserRegistrationsSummaries");
        }
    }
}
