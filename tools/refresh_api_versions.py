"""Regenerate the sandbox's api-version table (labhelpers/sandbox/data/api-versions.json) from a
checkout of Azure/azure-rest-api-specs:

    python tools/refresh_api_versions.py /path/to/azure-rest-api-specs [--out FILE]

A version counts for a resource type when a spec folder `stable/<version>` or `preview/<version>`
of the provider has a path of that type (management plane), or when the data plane's TypeSpec
`enum Versions` or a swagger folder names it. Versions already in the table that the checkout
does not show are kept (ARM keeps serving retired spec versions), so a refresh only adds.
Entries with their own "source" (Microsoft Graph: not in azure-rest-api-specs) are left alone."""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "labhelpers" / "sandbox" / "data" / "api-versions.json"
_ID = r"\{[^}/]+\}"
_RES = "resources/resource-manager/Microsoft.Resources"
_AUTH = "authorization/resource-manager/Microsoft.Authorization"
_KV = "keyvault/resource-manager/Microsoft.KeyVault"
_CS = "cognitiveservices/resource-manager/Microsoft.CognitiveServices"
_MSI = "msi/resource-manager/Microsoft.ManagedIdentity"
# table key -> (folder under specification/ that holds the provider's specs, regex of a path of that type)
MANAGEMENT = {
    "Microsoft.ManagedIdentity/userAssignedIdentities":
        (_MSI, rf"/providers/microsoft\.managedidentity/userassignedidentities/{_ID}$"),
    "Microsoft.Resources/resourceGroups":
        (_RES, rf"/subscriptions/{_ID}/resourcegroups/{_ID}$"),
    "Microsoft.Resources/subscriptions":
        (_RES, rf"^/subscriptions(/{_ID})?$"),
    "Microsoft.Authorization/roleAssignments":
        (_AUTH, r"/providers/microsoft\.authorization/roleassignments"),
    "Microsoft.Authorization/roleDefinitions":
        (_AUTH, r"/providers/microsoft\.authorization/roledefinitions"),
    "Microsoft.KeyVault/vaults":
        (_KV, rf"/providers/microsoft\.keyvault/vaults/{_ID}$"),
    "Microsoft.KeyVault/vaults/keys":
        (_KV, rf"/vaults/{_ID}/keys"),
    "Microsoft.KeyVault/vaults/accessPolicies":
        (_KV, rf"/vaults/{_ID}/accesspolicies/"),
    "Microsoft.KeyVault/deletedVaults":
        (_KV, r"/providers/microsoft\.keyvault/deletedvaults$"),
    "Microsoft.KeyVault/locations/deletedVaults":
        (_KV, rf"/locations/{_ID}/deletedvaults/{_ID}"),
    "Microsoft.KeyVault/checkNameAvailability":
        (_KV, r"/microsoft\.keyvault/checknameavailability$"),
    "Microsoft.CognitiveServices/accounts":
        (_CS, rf"/accounts/{_ID}$"),
    "Microsoft.CognitiveServices/accounts/projects":
        (_CS, rf"/accounts/{_ID}/projects/{_ID}$"),
    "Microsoft.CognitiveServices/deletedAccounts":
        (_CS, r"/microsoft\.cognitiveservices/deletedaccounts$"),
    "Microsoft.CognitiveServices/locations/resourceGroups/deletedAccounts":
        (_CS, rf"/resourcegroups/{_ID}/deletedaccounts/{_ID}$"),
    "Microsoft.CognitiveServices/checkDomainAvailability":
        (_CS, r"/checkdomainavailability$"),
}
# data plane key -> (swagger folder, TypeSpec files with `enum Versions`)
DATA_PLANE = {
    "vault.azure.net/keys": ("keyvault/data-plane/Microsoft.KeyVault", ["keyvault/data-plane/Keys/main.tsp",
                                                                         "keyvault/data-plane/Security.KeyVault.Keys/main.tsp"]),
}
_FOLDER = re.compile(r"/(stable|preview)/([0-9][0-9A-Za-z.\-]*)/")


def management_versions(specs: Path, folder: str, pattern: str) -> set[str]:
    found: set[str] = set()
    regex = re.compile(pattern, re.I)
    for path in (specs / "specification" / folder).rglob("*.json"):
        m = _FOLDER.search(path.as_posix())
        if not m or "/examples/" in path.as_posix():
            continue
        try:
            paths = json.loads(path.read_text(encoding="utf-8-sig")).get("paths") or {}
        except (ValueError, OSError, AttributeError):
            continue
        if any(regex.search(p) for p in paths):
            found.add(m.group(2))
    return found


def data_plane_versions(specs: Path, folder: str, typespecs: list[str]) -> set[str]:
    root = specs / "specification"
    found = {m.group(2) for p in (root / folder).rglob("*.json")
             if (m := _FOLDER.search(p.as_posix())) and "/examples/" not in p.as_posix()}
    for name in typespecs:
        path = root / name
        if path.exists():
            enum = re.search(r"enum\s+Versions\s*\{(.*?)\}", path.read_text(), re.S)
            if enum:
                found |= set(re.findall(r':\s*"([^"]+)"', enum.group(1)))
    return found


def refresh(specs: Path, out: Path = OUT) -> dict:
    table = json.loads(out.read_text()) if out.exists() else {"types": {}}
    types = table.setdefault("types", {})
    for key, (folder, pattern) in MANAGEMENT.items():
        entry = types.setdefault(key, {"versions": []})
        entry["versions"] = sorted(set(entry["versions"]) | management_versions(specs, folder, pattern))
    for key, (folder, typespecs) in DATA_PLANE.items():
        entry = types.setdefault(key, {"versions": []})
        entry["versions"] = sorted(set(entry["versions"]) | data_plane_versions(specs, folder, typespecs))
    try:
        commit = subprocess.run(["git", "-C", str(specs), "rev-parse", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    table["source"] = (f"Azure/azure-rest-api-specs at {commit}: specification/<service>/resource-manager/"
                       "**/(stable|preview)/<version> folders and the data plane's TypeSpec enum Versions")
    table["refresh"] = "python tools/refresh_api_versions.py <azure-rest-api-specs checkout>"
    out.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", type=Path, help="a checkout of Azure/azure-rest-api-specs")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not (args.specs / "specification").is_dir():
        parser.error(f"{args.specs} has no specification/ folder: not an azure-rest-api-specs checkout")
    table = refresh(args.specs, args.out)
    for key, entry in sorted(table["types"].items()):
        print(f"{key}: {len(entry['versions'])} versions, newest {max(entry['versions'], default='-')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
