-- title: Glue table and Lake Formation permission changes, replayed
-- produces: catalog_tables
-- needs: events[*]
-- step: replay
-- The Glue table and Lake Formation permission events of the lake (grants,
-- data cells filters, LF-Tags and their assignments), in time order. The replay step applies them to the catalog and grant files given
-- (--catalog, --grants) and writes every version of every table into
-- catalog_tables (database_name, table_name, location, location_folder,
-- valid_from, valid_to); the grants in force feed the lineage step. A
-- change on one day changes what every later day resolves to.
SELECT event_id, event_source, event_name, event_time, outcome, coalesce(request_parameters, '') AS request_parameters,
       coalesce(response_elements, '') AS response_elements
FROM events
WHERE (event_source = 'glue.amazonaws.com' AND event_name IN ('CreateTable', 'UpdateTable', 'DeleteTable', 'BatchDeleteTable'))
   OR (event_source = 'lakeformation.amazonaws.com' AND event_name IN
        ('GrantPermissions', 'RevokePermissions', 'BatchGrantPermissions', 'BatchRevokePermissions',
         'CreateDataCellsFilter', 'UpdateDataCellsFilter', 'DeleteDataCellsFilter',
         'CreateLFTag', 'UpdateLFTag', 'DeleteLFTag', 'AddLFTagsToResource', 'RemoveLFTagsFromResource',
         'CreateLFTagExpression', 'UpdateLFTagExpression', 'DeleteLFTagExpression'))
ORDER BY event_time, event_id
