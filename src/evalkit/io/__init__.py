"""Reading and writing: the table toolkit, file loaders, data sets, inputs, atomic outputs, record sources."""
