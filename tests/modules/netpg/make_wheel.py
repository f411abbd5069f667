"""Writes tendtiny-0.1-py3-none-any.whl (a pure-Python wheel) into argv[1],
without network or build backends: a wheel is a zip with dist-info."""
import base64
import hashlib
import os
import sys
import zipfile

files = {
    "tendtiny/__init__.py": 'VERSION = "0.1"\n',
    "tendtiny-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: tendtiny\nVersion: 0.1\n",
    "tendtiny-0.1.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tend-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(text.encode())}")
record.append("tendtiny-0.1.dist-info/RECORD,,")
files["tendtiny-0.1.dist-info/RECORD"] = "\n".join(record) + "\n"
os.makedirs(sys.argv[1], exist_ok=True)
with zipfile.ZipFile(os.path.join(sys.argv[1], "tendtiny-0.1-py3-none-any.whl"), "w") as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)
