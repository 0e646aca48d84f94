"""The CMK lab: notebooks import `labhelpers.lab`; the embedded Azure emulator is `labhelpers.sandbox`."""
