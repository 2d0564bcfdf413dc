// Package grants replays AWS Lake Formation permissions over time and
// answers "what could principal P read of table T at time t".
//
// # Inputs
//
// A Set starts from the JSON the AWS CLI prints for
// `aws lakeformation list-permissions` ({"PrincipalResourcePermissions":[…]})
// and, optionally, `aws lakeformation list-data-cells-filter`
// ({"DataCellsFilters":[…]}), then replays CloudTrail events from the lake:
// GrantPermissions, RevokePermissions, BatchGrantPermissions,
// BatchRevokePermissions, and Create/Update/DeleteDataCellsFilter.
//
// # Grants in force
//
// The grants in force at time t are what results from applying, in order of
// time, every listed permission (at its LastUpdated time; the zero time when
// absent) and every successful event at or before t. Replay rules:
//
//   - Only events with Outcome "success" count; failed or denied calls
//     change nothing. Entries of a batch call listed in the response's
//     failures are skipped. An event already applied (same EventID) is
//     applied once.
//   - Events may be applied in any order; they take effect in order of
//     event time (ties: in the order applied). Changes at one instant are
//     seen together.
//   - A grant adds its permissions to what the principal already holds on
//     the resource; several grants to one principal are a union.
//   - A revoke removes the named permissions from the same resource of the
//     same principal: a table revoke removes the permission from every
//     column, a column revoke removes just those columns (revoking columns
//     from an all-columns grant leaves an all-but-those grant), a column
//     wildcard revoke removes all but its excluded columns. It does not touch
//     the same permission held through another resource (a TableWildcard in
//     the database, a data cells filter, another principal such as
//     IAM_ALLOWED_PRINCIPALS).
//   - PermissionsWithGrantOption is not a permission to read and is not
//     tracked.
//
// # Reading
//
// A principal can read a column of a table at t when it, or
// IAM_ALLOWED_PRINCIPALS (everyone), or "<account>:IAMPrincipals" (everyone
// in that account), holds SELECT, ALL or SUPER_USER at t on:
//
//   - the Table resource, or the TableWildcard of its database: every column;
//   - TableWithColumns with ColumnNames: those columns;
//   - TableWithColumns with ColumnWildcard{ExcludedColumnNames}: every column
//     but the excluded ones (Athena silently drops them from SELECT *);
//   - a DataCellsFilter on the table: the filter's columns (ColumnNames, or
//     every column but its ColumnWildcard exclusions), taken from the filter
//     definition in force at t. A filter whose definition is unknown counts
//     as every column; deleting a filter revokes the grants on it.
//
// DESCRIBE, ALTER, INSERT and the rest do not allow reading. Database and
// catalog grants (even ALL, and IAM_ALLOWED_PRINCIPALS on a database, which
// only sets the default for tables created later) never give table reads;
// DataLocation grants (DATA_LOCATION_ACCESS) never do either. Database,
// table and column names match case-insensitively; principals match
// case-insensitively, and an STS assumed-role ARN matches the grants of its
// role (by account and role name).
//
// # Rows
//
// Rows flattens the grants in force over time into rows valid over [From, To)
// (To zero: still in force), one per (grant, column):
//
//   - grant_id identifies one principal's permission on one resource; its
//     rows together give one column set;
//   - column "" and excluded false: every column, minus the rows of the same
//     grant_id with excluded true;
//   - column "c" and excluded false: column c (named-column grants);
//   - can_read (Row.Read) is true when the row allows reading (SELECT, ALL or SUPER_USER on
//     a table, table wildcard "*" or data cells filter).
//
// Names are lower case; principal is as granted. ColumnsSQL is the query
// "which columns could P read of db.t at time t" over these rows; Readable
// and Effective compute the same in Go:
//
//	WITH g AS (rows with can_read, of db.t or db.*, of P or
//	           IAM_ALLOWED_PRINCIPALS, valid at t)
//	column c is readable when
//	     some row of g names c and is not excluded
//	  or some row of g has column_name '' and no row with its grant_id
//	     excludes c
//
// Principals compare case-insensitively in SQL; an assumed-role ARN must
// first be turned into its role ARN (events.role_arn). "<account>:IAMPrincipals"
// grants are matched by Readable only.
//
// # Limitations
//
// Row filters of data cells filters are not evaluated: a principal with a
// filter grant "can read" the filter's columns of every row. LF-Tag based
// grants (LFTag, LFTagPolicy, LFTagExpression resources) are not evaluated
// and are skipped (table tags are not known here). Default permissions for
// new tables (PutDataLakeSettings createTableDefaultPermissions), data lake
// administrators, cross-account shares (grants to an account ID),
// IAM Identity Center users and groups, SAML principals and grant
// conditions are not expanded. Nested (struct field) permissions are treated
// as whole columns.
package grants
