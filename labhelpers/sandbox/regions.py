"""The sandbox's Azure regions (public cloud names and display names as ARM lists them).
Which providers offer which region is each provider's catalog; this is the shared list."""
from __future__ import annotations

# (name, displayName, regionalDisplayName geography, latitude, longitude, pairedRegion)
REGIONS = [
    ("eastus", "East US", "United States", "37.3719", "-79.8164", "westus"),
    ("eastus2", "East US 2", "United States", "36.6681", "-78.3889", "centralus"),
    ("centralus", "Central US", "United States", "41.5908", "-93.6208", "eastus2"),
    ("northcentralus", "North Central US", "United States", "41.8819", "-87.6278", "southcentralus"),
    ("southcentralus", "South Central US", "United States", "29.4167", "-98.5", "northcentralus"),
    ("westcentralus", "West Central US", "United States", "40.89", "-110.234", "westus2"),
    ("westus", "West US", "United States", "37.783", "-122.417", "eastus"),
    ("westus2", "West US 2", "United States", "47.233", "-119.852", "westcentralus"),
    ("westus3", "West US 3", "United States", "33.448376", "-112.074036", "eastus"),
    ("canadacentral", "Canada Central", "Canada", "43.653", "-79.383", "canadaeast"),
    ("canadaeast", "Canada East", "Canada", "46.817", "-71.217", "canadacentral"),
    ("brazilsouth", "Brazil South", "Brazil", "-23.55", "-46.633", "southcentralus"),
    ("northeurope", "North Europe", "Europe", "53.3478", "-6.2597", "westeurope"),
    ("westeurope", "West Europe", "Europe", "52.3667", "4.9", "northeurope"),
    ("uksouth", "UK South", "United Kingdom", "50.941", "-0.799", "ukwest"),
    ("ukwest", "UK West", "United Kingdom", "53.427", "-3.084", "uksouth"),
    ("francecentral", "France Central", "France", "46.3772", "2.373", "francesouth"),
    ("germanywestcentral", "Germany West Central", "Germany", "50.110924", "8.682127", "germanynorth"),
    ("switzerlandnorth", "Switzerland North", "Switzerland", "47.451542", "8.564572", "switzerlandwest"),
    ("norwayeast", "Norway East", "Norway", "59.913868", "10.752245", "norwaywest"),
    ("swedencentral", "Sweden Central", "Sweden", "60.67488", "17.14127", "swedensouth"),
    ("polandcentral", "Poland Central", "Poland", "52.23334", "21.01666", None),
    ("italynorth", "Italy North", "Italy", "45.46888", "9.18109", None),
    ("australiaeast", "Australia East", "Australia", "-33.86", "151.2094", "australiasoutheast"),
    ("australiasoutheast", "Australia Southeast", "Australia", "-37.8136", "144.9631", "australiaeast"),
    ("japaneast", "Japan East", "Japan", "35.68", "139.77", "japanwest"),
    ("japanwest", "Japan West", "Japan", "34.6939", "135.5022", "japaneast"),
    ("koreacentral", "Korea Central", "Korea", "37.5665", "126.978", "koreasouth"),
    ("southeastasia", "Southeast Asia", "Asia Pacific", "1.283", "103.833", "eastasia"),
    ("eastasia", "East Asia", "Asia Pacific", "22.267", "114.188", "southeastasia"),
    ("centralindia", "Central India", "India", "18.5822", "73.9197", "southindia"),
    ("southindia", "South India", "India", "12.9822", "80.1636", "centralindia"),
    ("uaenorth", "UAE North", "UAE", "25.266666", "55.316666", "uaecentral"),
    ("southafricanorth", "South Africa North", "South Africa", "-25.73134", "28.21837", "southafricawest"),
]

BY_NAME = {r[0]: r for r in REGIONS}


def normalize(location: str | None) -> str | None:
    """ARM accepts a region by name or display name, any case and spacing ('East US' = 'eastus')."""
    if not isinstance(location, str):
        return None
    key = location.replace(" ", "").lower()
    return key if key in BY_NAME else None


def display_name(name: str) -> str:
    return BY_NAME[name][1]
