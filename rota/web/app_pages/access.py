"""Access (admins): who has which role, from the roles file, and where that file is."""

import os

import pandas as pd
import streamlit as st

from rota import roles
from rota.store import StoreError, locate
from rota.web import access

access.page_guard("access")
st.title("Access")
try:
    location = locate()
except StoreError:
    location = None
path = roles.roles_path(location)
found, problems = access.role_file()
st.caption(f"Roles file: `{path}` ({'ROTA_ROLES' if roles.ENV_ROLES in os.environ else 'beside the store'}"
           f"); group claim: `{found.groups_claim}`. Edit the file to change roles; it is read on every page.")
for problem in problems:
    st.error(problem, icon="⛔")
rows = []
for role in roles.Role:
    if role is roles.Role.NONE:
        continue
    emails, groups = found.members(role)
    rows += [{"role": role.value, "e-mail or group": e, "by": "e-mail"} for e in emails]
    rows += [{"role": role.value, "e-mail or group": g, "by": "group"} for g in groups]
st.table(pd.DataFrame(rows, columns=["role", "e-mail or group", "by"]).set_index("role"))
st.caption("Anyone whose e-mail is in engineers.csv also has their own page (My rota).")
