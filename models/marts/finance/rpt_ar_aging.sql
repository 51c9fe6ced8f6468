{#- Accounts receivable aging: open sales invoices as of every month-end (see macro aging_report). -#}
{{ aging_report(['sales']) }}
