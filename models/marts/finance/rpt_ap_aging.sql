{#- Accounts payable aging: open purchase invoices as of every month-end (see macro aging_report). -#}
{{ aging_report(['purchase']) }}
