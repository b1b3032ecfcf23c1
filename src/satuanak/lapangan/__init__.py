"""Offline field capture (issue 15): the phone app of cadres, TPK, the bidan desa and the mobile
unit, and the server side of its synchronisation. See models.py for the rules."""
