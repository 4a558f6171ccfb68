"""Reports for admins and the public: figures computed from the database, small numbers suppressed, drawn as
accessible SVG charts with a table beside each and downloadable as CSV."""
