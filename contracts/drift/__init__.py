"""Where does the mock differ from the real API? The drift engine behind ``contracts drift``.

``answers`` holds what was observed (each request answered twice by live, once by the mock),
``shapes`` reduces JSON documents and headers to what is compared, ``compare`` learns what
varies by itself on live and turns the rest of the differences into findings, ``ignore`` reads
the reviewed ignore file and ``render`` writes the report as text, Markdown, HTML or JSON.
"""
