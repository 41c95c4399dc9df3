"""rota's web UI: a thin router over the pages in pages/ (all logic lives in the rota package)."""

import streamlit as st

st.set_page_config(page_title="rota", page_icon="🕑", layout="wide")
st.title("rota")
st.write("Follow-the-sun on-call rota planner. The pages are being built.")
