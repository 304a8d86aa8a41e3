"""The default market's pricing nodes (the mock exchange's default network uses the same codes)."""

DEFAULT_NODES = [
    {
        "code": "NW-WIND",
        "name": "Northwest wind hub",
        "region": "Gansu / Ningxia / Inner Mongolia",
        "description": "western renewable hub: wind, export-constrained",
    },
    {
        "code": "NW-SOLAR",
        "name": "Northwest solar hub",
        "region": "Qinghai",
        "description": "western renewable hub: solar and hydro",
    },
    {
        "code": "N-COAL",
        "name": "North coal base",
        "region": "Inner Mongolia / Shanxi",
        "description": "coal region",
    },
    {
        "code": "SW-HYDRO",
        "name": "Southwest hydro",
        "region": "Sichuan / Yunnan",
        "description": "hydro region, seasonal surplus",
    },
    {
        "code": "E-LOAD",
        "name": "East load center",
        "region": "Jiangsu / Shanghai",
        "description": "eastern load center, import-dependent",
    },
    {
        "code": "S-LOAD",
        "name": "South load center",
        "region": "Guangdong",
        "description": "southern load center with hydro imports",
    },
]
