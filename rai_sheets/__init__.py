"""rai-sheets: the practical tools of the INTERPOL/UNICRI AI Toolkit as Excel workbooks."""

__version__ = "0.1.0"
