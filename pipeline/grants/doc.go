// Package grants replays AWS Lake Formation permissions over time and
// answers "what could principal P read of table T at time t".
//
// # Inputs
//
// A Set starts from the JSON the AWS CLI prints for
// `aws lakeformation list-permissions` ({"PrincipalResourcePermissions":[…]})
// and, optionally, `aws lakeformation list-data-cells-filter`
// ({"DataCellsFilters":[…]}), `search-tables-by-lf-tags` ({"TableList":[…]}),
// `search-databases-by-lf-tags` ({"DatabaseList":[…]}) and
// `get-resource-lf-tags` (with the request's "Resource" added: the output
// does not name it); see Load. It then replays CloudTrail events from the
// lake: GrantPermissions, RevokePermissions, BatchGrantPermissions,
// BatchRevokePermissions, Create/Update/DeleteDataCellsFilter,
// Create/Update/DeleteLFTag, AddLFTagsToResource, RemoveLFTagsFromResource
// and Create/Update/DeleteLFTagExpression. AddTable makes the catalog's
// tables known, for the LF-Tag policies to be evaluated on.
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
//   - LF-Tags: AddLFTagsToResource assigns a value of a key to a database,
//     a table or columns (one value per key and resource; tags the
//     response lists as failures are not assigned); RemoveLFTagsFromResource
//     removes it; UpdateLFTag's deleted values leave every resource;
//     DeleteLFTag removes the key from every resource and ends the grants
//     on policies that name it. A column has its own tags, else its
//     table's, else its database's. Keys and values compare in lower case,
//     as Lake Formation stores them. A listed tag (search-*-by-lf-tags,
//     get-resource-lf-tags) equal to the value its table or database shows
//     is read as inherited.
//
// # Reading
//
// A principal can read a column of a table at t when it, or
// IAM_ALLOWED_PRINCIPALS (everyone), or "<account>:IAMPrincipals" (everyone
// in that account), or its account id (a cross-account grant), holds
// SELECT, ALL or SUPER_USER at t on:
//
//   - the Table resource, or the TableWildcard of its database: every column;
//   - TableWithColumns with ColumnNames: those columns;
//   - TableWithColumns with ColumnWildcard{ExcludedColumnNames}: every column
//     but the excluded ones (Athena silently drops them from SELECT *);
//   - a DataCellsFilter on the table: the filter's columns (ColumnNames, or
//     every column but its ColumnWildcard exclusions), of the rows of its
//     row filter, taken from the filter definition in force at t. A filter
//     whose definition is unknown counts as every column (rows unknown);
//     deleting a filter revokes the grants on it;
//   - an LFTagPolicy of resource type TABLE whose expression (keys ANDed,
//     the values of a key ORed; its own, or a saved LFTagExpression by
//     name as defined at t) matches the table's tags at t: the columns
//     whose tags match (every column when the table's do, but those with a
//     tag of their own that does not match; else only the columns whose own
//     tags match). A policy is evaluated on the tables the set knows.
//
// DESCRIBE, ALTER, INSERT and the rest do not allow reading. Database and
// catalog grants (even ALL, and IAM_ALLOWED_PRINCIPALS on a database, which
// only sets the default for tables created later) never give table reads;
// DataLocation grants (DATA_LOCATION_ACCESS), LFTagPolicy grants of
// resource type DATABASE, and permissions on LF-Tags or saved expressions
// themselves (ASSOCIATE, DESCRIBE) never do either.
//
// A column's row filter (Access.RowFilter) is "" when some grant that lets
// it be read has none (a table or column grant, an all-rows filter), else
// the ORed expressions of the filters that let it be read. Database,
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
//     a table, table wildcard "*", data cells filter, or a table an LF-Tag
//     policy matches);
//   - row_filter is the data cells filter's row filter ("" for all rows);
//   - lf_tag_expression is an LF-Tag policy's expression
//     ("key=v1,v2 AND key2=v3", or "@name" of a saved one); the policy's
//     own row has no database or table and does not read.
//
// Names are lower case; principal is as granted. ColumnsSQL is the query
// "which columns could P read of db.t at time t" over these rows; Readable
// and Effective compute the same in Go:
//
//	WITH g AS (rows with can_read, of db.t or db.*, of P,
//	           IAM_ALLOWED_PRINCIPALS, P's account or its IAMPrincipals, valid at t)
//	column c is readable when
//	     some row of g names c and is not excluded
//	  or some row of g has column_name '' and no row with its grant_id
//	     excludes c
//
// Principals compare case-insensitively in SQL; an assumed-role ARN must
// first be turned into its role ARN (events.role_arn).
//
// # Limitations
//
// Row filters are reported, not evaluated: which rows a filter lets read
// is not known here. An LF-Tag policy is evaluated on the tables the set
// knows (AddTable, and those its inputs name); tags assigned to a catalog
// or a table wildcard are not evaluated. A cross-account grant to an
// account id reaches every principal of that account as far as the owner's
// grant goes: the receiving account's own grants are not seen here.
// Default permissions for new tables (PutDataLakeSettings
// createTableDefaultPermissions), data lake administrators, grants to
// organizations, IAM Identity Center users and groups, SAML principals and
// grant conditions are not expanded. Nested (struct field) permissions are
// treated as whole columns.
package grants
