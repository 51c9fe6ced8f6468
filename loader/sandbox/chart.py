"""Finnish chart of accounts and the statutory report lines (docs/architecture.md).

Account numbers follow the ranges of the report lines so that the sandbox's reports, the truth helpers
and the dbt marts all classify the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    code: str
    fi: str
    en: str | None
    sv: str | None
    active: bool = True


# (code, Finnish, English, Swedish, active). None = no translation given (as in real COAs).
ACCOUNTS: tuple[Account, ...] = tuple(
    Account(*row)
    for row in (
        ("1050", "Aineettomat oikeudet", "Intangible rights", "Immateriella rättigheter", True),
        ("1160", "Koneet ja kalusto", "Machinery and equipment", "Maskiner och inventarier", True),
        ("1170", "Muut aineelliset hyödykkeet", "Other tangible assets", None, False),
        ("1400", "Aineet ja tarvikkeet", "Materials and supplies", "Material och förnödenheter", True),
        ("1701", "Myyntisaamiset", "Trade receivables", "Kundfordringar", True),
        ("1763", "Ostojen arvonlisävero", "Input VAT", "Ingående mervärdesskatt", True),
        ("1800", "Siirtosaamiset", "Prepaid expenses and accrued income", None, True),
        ("1911", "Pankkitili Nordea", "Bank account Nordea", "Bankkonto Nordea", True),
        ("1912", "Pankkitili OP", "Bank account OP", None, False),
        ("2000", "Osakepääoma", "Share capital", "Aktiekapital", True),
        ("2070", "Sijoitetun vapaan oman pääoman rahasto", "Invested unrestricted equity reserve", None, True),
        ("2250", "Edellisten tilikausien voitto (tappio)", "Retained earnings", "Balanserad vinst", True),
        ("2400", "Poistoero", "Depreciation difference", "Avskrivningsdifferens", True),
        ("2620", "Lainat rahoituslaitoksilta", "Loans from credit institutions", "Lån från kreditinstitut", True),
        ("2871", "Ostovelat", "Trade payables", "Leverantörsskulder", True),
        ("2872", "Matka- ja kululaskuvelat", "Travel and expense claims payable", None, True),
        ("2930", "Ennakonpidätysvelka", "Withholding tax payable", "Förskottsinnehållning", True),
        ("2939", "Myynnin arvonlisävero", "Output VAT", "Utgående mervärdesskatt", True),
        ("2941", "Arvonlisäverovelka", "VAT payable", "Mervärdesskatteskuld", True),
        ("2950", "TyEL-maksuvelka", "Pension contributions payable", None, True),
        ("2951", "Sosiaaliturvamaksuvelka", "Social security contributions payable", None, True),
        ("2952", "Työttömyysvakuutusmaksuvelka", "Unemployment insurance contributions payable", None, True),
        ("2960", "Siirtovelat", "Accrued liabilities", "Upplupna kostnader", True),
        ("3000", "Myynti", "Sales", "Försäljning", True),
        ("3010", "Myynti 24 %", "Sales 24 %", None, False),
        ("3020", "Palvelumyynti", "Service sales", "Tjänsteförsäljning", True),
        ("3040", "Yhteisömyynti, tavarat", "Intra-community sales of goods", "Gemenskapsförsäljning", True),
        ("3050", "Vientimyynti", "Export sales", "Exportförsäljning", True),
        ("3990", "Muut liiketoiminnan tuotot", "Other operating income", "Övriga rörelseintäkter", True),
        ("4000", "Ostot", "Purchases", "Inköp", True),
        ("4300", "Ulkopuoliset palvelut", "External services", "Främmande tjänster", True),
        ("5000", "Palkat", "Salaries", "Löner", True),
        ("6130", "Eläkekulut", "Pension expenses", "Pensionskostnader", True),
        ("6300", "Sosiaaliturvamaksut", "Social security expenses", "Socialskyddsavgifter", True),
        ("6410", "Työttömyysvakuutusmaksut", "Unemployment insurance contributions", None, True),
        ("6800", "Suunnitelman mukaiset poistot", "Planned depreciation", "Avskrivningar enligt plan", True),
        ("7000", "Toimitilavuokrat", "Premises rent", "Lokalhyror", True),
        ("7300", "Ajoneuvokulut", "Vehicle expenses", None, True),
        ("7600", "Matkakulut", "Travel expenses", "Resekostnader", True),
        ("7680", "Edustuskulut", "Entertainment expenses", "Representation", True),
        ("7690", "Muut liikekulut", "Other operating expenses", None, True),
        ("7800", "Markkinointikulut", "Marketing expenses", "Marknadsföring", True),
        ("8000", "ICT-kulut", "ICT expenses", None, True),
        ("9160", "Korkotuotot", "Interest income", "Ränteintäkter", True),
        ("9440", "Korkokulut", "Interest expenses", "Räntekostnader", True),
        ("9800", "Poistoeron muutos", "Change in depreciation difference", "Förändring av avskrivningsdifferens", True),
        ("9900", "Tuloverot", "Income taxes", "Inkomstskatter", True),
    )
)


@dataclass(frozen=True)
class ReportLine:
    order: int
    name: str
    low: int | None = None  # inclusive account range; None for computed lines
    high: int | None = None
    sums: tuple[int, ...] = ()  # orders of the lines this computed line adds up


INCOME_STATEMENT: tuple[ReportLine, ...] = (
    ReportLine(10, "Liikevaihto", 3000, 3899),
    ReportLine(20, "Liiketoiminnan muut tuotot", 3900, 3999),
    ReportLine(30, "Materiaalit ja palvelut", 4000, 4999),
    ReportLine(40, "Henkilöstökulut", 5000, 6799),
    ReportLine(50, "Poistot ja arvonalentumiset", 6800, 6999),
    ReportLine(60, "Liiketoiminnan muut kulut", 7000, 8999),
    ReportLine(70, "Liikevoitto (-tappio)", sums=(10, 20, 30, 40, 50, 60)),
    ReportLine(80, "Rahoitustuotot ja -kulut", 9000, 9699),
    ReportLine(90, "Voitto (tappio) ennen tilinpäätössiirtoja ja veroja", sums=(70, 80)),
    # 98xx is poistoeron muutos (an appropriation) in common Finnish charts, so taxes start at 9900
    ReportLine(100, "Tilinpäätössiirrot", 9700, 9899),
    ReportLine(110, "Tuloverot", 9900, 9999),
    ReportLine(120, "Tilikauden voitto (tappio)", sums=(90, 100, 110)),
)

# Lines 100 and 110 are special (earlier-year and current-year results); see ledger.balance_sheet.
BALANCE_SHEET: tuple[ReportLine, ...] = (
    ReportLine(10, "Aineettomat hyödykkeet", 1000, 1099),
    ReportLine(20, "Aineelliset hyödykkeet", 1100, 1299),
    ReportLine(30, "Sijoitukset", 1300, 1399),
    ReportLine(40, "Vaihto-omaisuus", 1400, 1499),
    ReportLine(50, "Saamiset", 1500, 1899),
    ReportLine(60, "Rahat ja pankkisaamiset", 1900, 1999),
    ReportLine(70, "VASTAAVAA YHTEENSÄ", sums=(10, 20, 30, 40, 50, 60)),
    ReportLine(80, "Osakepääoma", 2000, 2049),
    ReportLine(90, "Muut rahastot", 2050, 2249),
    ReportLine(100, "Edellisten tilikausien voitto (tappio)", 2250, 2399),
    ReportLine(110, "Tilikauden voitto (tappio)"),
    ReportLine(115, "OMA PÄÄOMA YHTEENSÄ", sums=(80, 90, 100, 110)),
    ReportLine(120, "Tilinpäätössiirtojen kertymä", 2400, 2499),
    ReportLine(130, "Pakolliset varaukset", 2500, 2599),
    ReportLine(140, "Pitkäaikainen vieras pääoma", 2600, 2699),
    ReportLine(150, "Lyhytaikainen vieras pääoma", 2700, 2999),
    ReportLine(160, "VASTATTAVAA YHTEENSÄ", sums=(80, 90, 100, 110, 120, 130, 140, 150)),
)


def is_pl_account(code: str) -> bool:
    return int(code) >= 3000


SALES_VAT_ACCOUNT = "2939"
PURCHASE_VAT_ACCOUNT = "1763"
AR_ACCOUNT = "1701"
AP_ACCOUNT = "2871"
EXPENSE_CLAIMS_ACCOUNT = "2872"
BANK_ACCOUNT = "1911"
VAT_PAYABLE_ACCOUNT = "2941"  # output VAT less input VAT of a settled period, until paid to Verohallinto
WITHHOLDING_ACCOUNT = "2930"
PENSION_PAYABLE_ACCOUNT = "2950"
SOCIAL_SECURITY_PAYABLE_ACCOUNT = "2951"
UNEMPLOYMENT_PAYABLE_ACCOUNT = "2952"
