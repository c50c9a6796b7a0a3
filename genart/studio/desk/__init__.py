"""The fashion designer's desk: a hand sketch → garments that follow its lines → colour, fabric, a line sheet."""
