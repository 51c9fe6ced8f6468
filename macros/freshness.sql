{#- Source freshness from the run history (DECISIONLOG: "Freshness from the run history").

    `_loaded_at` moves only when a record changes, so a stable table (a chart of accounts nobody edits)
    looked stale although the loader read it every night. A landing table is as fresh as the last
    successful run that read its stream: `dbt source freshness` takes, per company that has rows in
    the table or has read the stream, the `finished_at` of its latest run with status `succeeded` or
    `partial` whose `stats.streams` lists the stream and whose `stats.unreadable` does not, and
    reports the oldest of those (a company that never completed such a run counts as 1900-01-01, so
    one stale company is enough to warn). A stream no company has (not selected anywhere) is as fresh
    as the loader's last good run; no run history at all gives null, which dbt reads as infinitely
    old. Used as the source's `loaded_at_query`; `source_relation` is the landing table. -#}

{% macro stream_last_success(source_relation) -%}
    {%- set stream = source_relation.identifier -%}
    {%- set runs = api.Relation.create(
        database=source_relation.database, schema=source_relation.schema, identifier='_loader_runs'
    ) -%}
    {%- set runs_exist = adapter.get_relation(
        database=runs.database, schema=runs.schema, identifier=runs.identifier
    ) is not none -%}
    {%- set landing_exists = adapter.get_relation(
        database=source_relation.database, schema=source_relation.schema, identifier=source_relation.identifier
    ) is not none -%}
    {%- if not runs_exist -%}
        select cast(null as timestamp) as last_success
    {%- else -%}
        with

        runs as (

            select
                sync_id,
                _company_id as company_id,
                finished_at,
                stats
            from {{ runs }}
            where status in ('succeeded', 'partial') and finished_at is not null

        ),

        stream_runs as (

            select
                runs.sync_id,
                runs.company_id,
                runs.finished_at
            from {{ procountor.unnest_json_array('runs', 'stats', '$.streams', 'run_stream') }}
            where {{ procountor.json_str(procountor.json_array_value('run_stream'), '$.stream') }} = '{{ stream }}'

        ),

        unreadable_runs as (

            select runs.sync_id
            from {{ procountor.unnest_json_array('runs', 'stats', '$.unreadable', 'unreadable') }}
            where {{ procountor.json_str(procountor.json_array_value('unreadable'), '$.stream') }} = '{{ stream }}'

        ),

        last_success as (

            select
                company_id,
                max(finished_at) as finished_at
            from stream_runs
            where sync_id not in (select unreadable_runs.sync_id from unreadable_runs)
            group by 1

        ),

        companies as (

            select company_id from last_success
            {%- if landing_exists %}
                union distinct
                select distinct _company_id as company_id from {{ source_relation }}
            {%- endif %}

        ),

        oldest_company as (

            select min(coalesce(last_success.finished_at, cast('1900-01-01 00:00:00' as timestamp))) as last_success
            from companies
            left join last_success
                on companies.company_id = last_success.company_id

        )

        -- no company has the stream (not selected anywhere): as fresh as the loader's last good run
        select coalesce(oldest_company.last_success, (select max(runs.finished_at) from runs)) as last_success
        from oldest_company
    {%- endif -%}
{%- endmacro %}
