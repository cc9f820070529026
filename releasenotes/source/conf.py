# Licensed under the Apache License, Version 2.0; see LICENSE.
# Release notes of tripleo-ffu, built with reno.
extensions = ['reno.sphinxext']
source_suffix = '.rst'
master_doc = 'index'
project = 'tripleo-ffu Release Notes'
copyright = 'tripleo-ffu developers'
version = ''
release = ''
exclude_patterns = []
html_theme = 'alabaster'
