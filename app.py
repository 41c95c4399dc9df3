"""The entry `streamlit run app.py` uses; the web UI itself is the rota.web package."""

from rota.web.app import main

# A worker that multiprocessing spawns re-runs this script as __mp_main__: it must not start the UI there.
if __name__ == "__main__":
    main()
