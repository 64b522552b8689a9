"""`redstar report`: the catalog as one self-contained, offline HTML page of Plotly charts."""
