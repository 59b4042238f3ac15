#!/usr/bin/env python3
"""Builds eval/hearth-memory-eval.json (LongMemEval format) from the conversations written below.

Every conversation here was written by the Hearth team for this evaluation. Each question's haystack is its own
evidence sessions, every session of the shared pool of everyday conversations (30), and eight evidence sessions of
other questions on other topics (related-sounding distractors) — about 40 sessions, LongMemEval_S's size — dated over
the first half of 2024 and ordered by date.
Run: python3 eval/build_dataset.py  (deterministic; rewrites the JSON file)."""
import json, random, datetime, os

U, A = "user", "assistant"

# ---------------------------------------------------------------------------------------------------------------
# The pool: everyday conversations that answer none of the questions.
POOL = [
 [(U, "Can you suggest a quick weeknight dinner with chickpeas?"),
  (A, "A chickpea and spinach curry takes about twenty minutes: onion, garlic, curry paste, a tin of tomatoes, chickpeas and a handful of spinach."),
  (U, "Nice, do I need coconut milk for that?"),
  (A, "It is optional. A spoon of yoghurt at the end gives a similar creamy finish."),
  (U, "I only have brown rice, is that fine?"),
  (A, "Yes, just start it first: brown rice needs around forty minutes.")],
 [(U, "How often should I water a fiddle leaf fig?"),
  (A, "Water when the top five centimetres of soil are dry, usually every week or two, and let it drain fully."),
  (U, "The leaves have brown spots at the edges."),
  (A, "Brown edges often mean the air is dry or watering is irregular. Keep it away from radiators and water on a schedule."),
  (U, "Should I repot it this spring?"),
  (A, "If roots circle the bottom of the pot, go one size up in spring with a well draining mix.")],
 [(U, "What's a good stretching routine after running?"),
  (A, "Try calf stretches against a wall, a standing quad stretch, hamstring stretches and a hip flexor lunge, thirty seconds each."),
  (U, "My knees feel stiff after long runs."),
  (A, "Stiff knees can come from tight quads and IT bands. Foam rolling and adding strength work for the hips helps many runners."),
  (U, "How many times a week should I do strength work?"),
  (A, "Two short sessions a week is plenty for most runners.")],
 [(U, "Explain the difference between a list and a tuple in Python."),
  (A, "A list is mutable, so you can change its items; a tuple is immutable and can be used as a dictionary key."),
  (U, "When would I pick a tuple then?"),
  (A, "For fixed records like coordinates or for values that must not change, and when you need something hashable."),
  (U, "And a set?"),
  (A, "A set holds unique items with fast membership checks, but no order.")],
 [(U, "Any tips for taking sharper photos at night without a tripod?"),
  (A, "Raise the ISO, open the aperture wide, brace the camera against a wall and use a shorter focal length."),
  (U, "My phone pictures at concerts always look blurry."),
  (A, "Use the night mode if your phone has one, tap to focus on the stage, and hold still for the whole capture."),
  (U, "Is it worth buying a small gimbal?"),
  (A, "For video yes; for still photos a gimbal helps less than good light.")],
 [(U, "What's the best way to learn Spanish vocabulary quickly?"),
  (A, "Spaced repetition flashcards, learning words in phrases, and using them in short daily conversations work well together."),
  (U, "I keep forgetting verb conjugations."),
  (A, "Practise one tense at a time with the verbs you actually use, and say the sentences out loud."),
  (U, "Are podcasts useful at my level?"),
  (A, "Yes, pick slow podcasts for learners and listen to each episode twice.")],
 [(U, "How do I fix a dripping kitchen tap?"),
  (A, "Turn off the water under the sink, take off the handle, and replace the washer or the cartridge depending on the tap type."),
  (U, "It's a mixer tap with one lever."),
  (A, "Single lever mixers usually have a ceramic cartridge. Note the model and buy a matching cartridge."),
  (U, "Do I need special tools?"),
  (A, "An adjustable spanner, an Allen key and a flat screwdriver are usually enough.")],
 [(U, "Can you recommend a board game for four adults?"),
  (A, "Ticket to Ride is easy to teach, Codenames is great for groups, and Azul is quick and pretty."),
  (U, "We liked Catan but it got too long."),
  (A, "Try Splendor: similar engine building, but a game takes about thirty minutes."),
  (U, "Anything cooperative?"),
  (A, "Pandemic and The Crew are both excellent cooperative games.")],
 [(U, "What's the difference between an index fund and an ETF?"),
  (A, "An index fund tracks an index and trades once a day at its closing price; an ETF can track the same index but trades on an exchange all day."),
  (U, "Which one has lower fees usually?"),
  (A, "Both can be very cheap; broad ETFs often have slightly lower expense ratios."),
  (U, "Should I worry about currency risk with a world ETF?"),
  (A, "Over the long term it matters less than costs and diversification, but hedged versions exist.")],
 [(U, "My cat keeps scratching the sofa, what can I do?"),
  (A, "Put a sturdy scratching post right next to the sofa, reward her when she uses it, and cover the sofa corner with double sided tape for a while."),
  (U, "She ignores the post we have."),
  (A, "Many cats prefer tall, heavy posts or flat cardboard scratchers. Rub some catnip on it."),
  (U, "Would nail caps help?"),
  (A, "They can, if she tolerates them; trimming the claws every two weeks also helps.")],
 [(U, "What should I pack for a weekend of hiking in the mountains?"),
  (A, "Layers, a waterproof jacket, good boots, a map, snacks, water, a headlamp and a small first aid kit."),
  (U, "It might snow at the top."),
  (A, "Then add gloves, a hat, and microspikes if the trail is icy."),
  (U, "How much water for a six hour hike?"),
  (A, "Plan on two to three litres, more if it is warm.")],
 [(U, "Can you help me write a polite email declining a meeting?"),
  (A, "Sure: thank them for the invitation, say you cannot attend, offer an alternative such as notes or another time, and keep it short."),
  (U, "It's with a client, so it needs to sound professional."),
  (A, "Then propose two alternative slots and offer to send your input in writing before the meeting."),
  (U, "Should I copy my manager?"),
  (A, "If the client relationship is shared, copying your manager is a good idea.")],
 [(U, "How long should I steep green tea?"),
  (A, "Two to three minutes at about seventy to eighty degrees; boiling water makes it bitter."),
  (U, "And oolong?"),
  (A, "Oolong likes hotter water, around ninety degrees, and can be steeped several times."),
  (U, "Is matcha the same plant?"),
  (A, "Yes, all of them come from Camellia sinensis; matcha is shade grown and ground into powder.")],
 [(U, "What's a good beginner workout at the gym?"),
  (A, "A full body routine three times a week: squats, push ups or bench press, rows, and planks, with light weights to learn the form."),
  (U, "How many sets and reps?"),
  (A, "Three sets of eight to twelve reps is a solid start."),
  (U, "Should I do cardio before or after?"),
  (A, "After the weights, so you lift with fresh legs.")],
 [(U, "I need a birthday present idea for a colleague who likes coffee."),
  (A, "A bag of beans from a local roaster, a nice ceramic mug, or an AeroPress are all good picks."),
  (U, "Budget is around twenty euros."),
  (A, "Then a good bag of specialty beans and a handwritten card will be appreciated."),
  (U, "Decaf or regular?"),
  (A, "Regular, unless you know they avoid caffeine.")],
 [(U, "Why does my sourdough come out so dense?"),
  (A, "Usually the starter is not active enough or the dough was under proofed. Feed the starter and wait until it doubles."),
  (U, "My kitchen is quite cold in winter."),
  (A, "Cold slows fermentation; put the dough in the oven with just the light on."),
  (U, "How do I know when it's proofed?"),
  (A, "Press it gently: if the dent springs back slowly, it is ready.")],
 [(U, "What's a good way to organise my photos from the last few years?"),
  (A, "Put them in folders by year and month, delete duplicates, and tag the best ones as favourites."),
  (U, "I have thousands on my phone."),
  (A, "Back them up to a cloud service or an external drive first, then sort in batches."),
  (U, "Is it safe to delete from the phone after backup?"),
  (A, "Check a few files open from the backup before deleting anything.")],
 [(U, "Can you explain how compound interest works?"),
  (A, "You earn interest on your savings and on the interest already earned, so growth speeds up over time."),
  (U, "So starting early matters a lot?"),
  (A, "Yes, time is the biggest factor; small amounts invested early can outgrow larger later ones."),
  (U, "What rate is realistic?"),
  (A, "Long term stock returns have averaged around five to seven percent after inflation, with big swings.")],
 [(U, "What movies are good for a rainy Sunday?"),
  (A, "Paddington 2, The Grand Budapest Hotel, Spirited Away or Knives Out are cosy picks."),
  (U, "I've seen Knives Out, loved it."),
  (A, "Then try Glass Onion or the classic Murder on the Orient Express."),
  (U, "Something with subtitles maybe?"),
  (A, "Amelie or Parasite are both excellent.")],
 [(U, "How do I get rid of fruit flies in the kitchen?"),
  (A, "Make a trap with apple cider vinegar and a drop of dish soap in a jar, and take out ripe fruit and the compost often."),
  (U, "They seem to come from the drain."),
  (A, "Pour boiling water down the drain and scrub it with a brush to remove the film they breed in."),
  (U, "Will they come back?"),
  (A, "Not if you keep fruit covered and the drain clean for a couple of weeks.")],
 [(U, "What's a good podcast about history?"),
  (A, "The Rest Is History, Hardcore History and Fall of Civilizations are all popular."),
  (U, "Something shorter for my commute?"),
  (A, "History Extra has episodes of about half an hour."),
  (U, "Any about the Romans specifically?"),
  (A, "The History of Rome by Mike Duncan is the classic.")],
 [(U, "How do I keep basil alive on a windowsill?"),
  (A, "Give it sun for six hours a day, water when the top of the soil is dry, and pinch off the flower buds."),
  (U, "Mine always gets leggy."),
  (A, "Pinch the tips above a pair of leaves regularly so it grows bushy."),
  (U, "Can I grow it from cuttings?"),
  (A, "Yes, put stems in water and they root within two weeks.")],
 [(U, "My laptop is getting slow, any advice?"),
  (A, "Check which apps start at login, free up disk space, and look at the task manager for processes using a lot of memory."),
  (U, "The fan is loud too."),
  (A, "Dust in the vents can make it run hot; clean them with compressed air."),
  (U, "Would more RAM help?"),
  (A, "If memory use is near full most of the day, yes.")],
 [(U, "What's the etiquette for tipping in restaurants in the US?"),
  (A, "Around eighteen to twenty percent of the bill before tax is standard for table service."),
  (U, "And for a coffee at the counter?"),
  (A, "A dollar or rounding up is common but optional."),
  (U, "Do I tip taxi drivers as well?"),
  (A, "Yes, about fifteen to twenty percent.")],
 [(U, "Give me ideas for a rainy day with kids."),
  (A, "Build a blanket fort, bake cookies, do a treasure hunt around the house, or set up a craft table."),
  (U, "They're six and nine."),
  (A, "A simple science experiment like baking soda volcanoes is fun for both ages."),
  (U, "Something calmer for the evening?"),
  (A, "Read a chapter book aloud together or do a jigsaw puzzle.")],
 [(U, "How do I remove a red wine stain from a carpet?"),
  (A, "Blot it, don't rub, then apply cold water and a little dish soap, and blot again. Baking soda can lift what remains."),
  (U, "It's already dry."),
  (A, "Mix hydrogen peroxide with dish soap and test it on a hidden spot first."),
  (U, "The carpet is wool."),
  (A, "Then skip the peroxide and use a wool safe cleaner.")],
 [(U, "What's the best time of year to visit Japan?"),
  (A, "Spring for cherry blossoms in late March and early April, or autumn in November for the colours and mild weather."),
  (U, "Is it very crowded then?"),
  (A, "Yes, especially in Kyoto; book early and visit popular places at sunrise."),
  (U, "How many days would you suggest?"),
  (A, "Two weeks lets you see Tokyo, Kyoto, Osaka and one or two smaller towns.")],
 [(U, "Can you summarise what a VPN actually does?"),
  (A, "It encrypts your traffic between your device and the VPN server, hiding it from the local network and your ISP."),
  (U, "Does it make me anonymous?"),
  (A, "Not fully: the VPN provider can see your traffic, and websites can still track you with cookies."),
  (U, "Is it worth it on public wifi?"),
  (A, "Yes, that is one of the most useful cases.")],
 [(U, "What should I do about a noisy neighbour upstairs?"),
  (A, "Talk to them calmly first, mention specific times, and suggest rugs; if that fails, contact the landlord."),
  (U, "It's mostly footsteps late at night."),
  (A, "Rugs with thick underlay help a lot; ask if they would consider them."),
  (U, "Should I write a note instead?"),
  (A, "A friendly note is fine if talking feels awkward.")],
 [(U, "How do I make my own granola?"),
  (A, "Mix oats, nuts, seeds, a little oil and honey, spread on a tray and bake at one hundred sixty degrees for twenty five minutes, stirring once."),
  (U, "Can I add dried fruit?"),
  (A, "Yes, but add it after baking so it doesn't burn."),
  (U, "How long does it keep?"),
  (A, "About two weeks in an airtight jar.")],
]

# ---------------------------------------------------------------------------------------------------------------
# Questions: (id, type, topic, question, answer, question_date, [evidence sessions]); an evidence session is
# (date, [(role, text, has_answer)]). Abstention questions (ids ending in _abs) have sessions on nearby topics but no answer.
def s(date, *turns):
    return (date, [(t[0], t[1], len(t) > 2 and t[2]) for t in turns])

Q = []
def q(id, type, topic, question, answer, date, *sessions):
    Q.append(dict(id=id, type=type, topic=topic, question=question, answer=answer, date=date, sessions=list(sessions)))

# single-session-user ------------------------------------------------------------------------------------------------
q("ssu_01", "single-session-user", "pet", "What breed is my dog?", "a beagle", "2024/07/02 (Tue) 10:00",
  s("2024/02/11 (Sun) 09:12",
    (U, "We finally adopted a dog from the shelter last weekend! She's a three year old beagle called Poppy.", True),
    (A, "Congratulations! Beagles are friendly and curious. How is she settling in?"),
    (U, "She howls whenever we leave the flat."),
    (A, "That is common with beagles. Start with short absences and leave her a chew toy."),
    (U, "Any tips for walking her? She pulls a lot."),
    (A, "Stop whenever the leash goes tight and reward her when she walks beside you.")))
q("ssu_02", "single-session-user", "commute", "How long is my commute to the office?", "about 45 minutes by train", "2024/07/03 (Wed) 08:00",
  s("2024/03/04 (Mon) 19:40",
    (U, "I'm trying to use my time on the train better. My commute to the office is about 45 minutes each way.", True),
    (A, "That's a good chunk of time. You could read, listen to audiobooks or learn a language."),
    (U, "I get motion sick when I read though."),
    (A, "Then podcasts or audiobooks are a better fit."),
    (U, "Can you suggest some audiobooks?"),
    (A, "Project Hail Mary, The Martian and Sapiens are popular and easy to follow by ear.")))
q("ssu_03", "single-session-user", "education", "What did I study at university?", "marine biology", "2024/07/04 (Thu) 12:00",
  s("2024/01/22 (Mon) 21:05",
    (U, "I'm thinking about a career change. I have a degree in marine biology but I've worked in sales for six years.", True),
    (A, "That's an interesting mix. Are you drawn back to science, or to something new?"),
    (U, "Maybe environmental consulting."),
    (A, "Your degree plus sales experience could fit well in consulting, where you need both knowledge and client skills."),
    (U, "Would I need another qualification?"),
    (A, "Some roles ask for environmental management certificates, but many value experience first.")))
q("ssu_04", "single-session-user", "car", "What car do I drive?", "a 2016 Toyota Yaris", "2024/07/05 (Fri) 09:30",
  s("2024/04/09 (Tue) 17:20",
    (U, "The check engine light came on in my 2016 Toyota Yaris this morning.", True),
    (A, "It could be something small like a loose fuel cap, or a sensor. Is the light steady or flashing?"),
    (U, "Steady, and the car drives normally."),
    (A, "Then it's usually not urgent. Tighten the fuel cap and have the code read at a garage or with a cheap OBD reader."),
    (U, "How much do those readers cost?"),
    (A, "Basic Bluetooth OBD2 readers cost around twenty euros.")))
q("ssu_05", "single-session-user", "allergy", "What am I allergic to?", "peanuts", "2024/07/06 (Sat) 13:00",
  s("2024/02/27 (Tue) 12:45",
    (U, "Can you give me a recipe for a Thai noodle salad? Please no peanuts, I'm seriously allergic to them.", True),
    (A, "Of course. Try rice noodles with cucumber, carrot, herbs, and a lime, soy and chilli dressing, topped with toasted sesame seeds instead of nuts."),
    (U, "Can I add chicken?"),
    (A, "Yes, poached or grilled chicken works well."),
    (U, "How long does it keep in the fridge?"),
    (A, "About two days; keep the dressing separate.")))
q("ssu_06", "single-session-user", "instrument", "Which instrument am I learning?", "the cello", "2024/07/07 (Sun) 18:00",
  s("2024/05/12 (Sun) 16:30",
    (U, "I started cello lessons in March and my bow hand cramps after twenty minutes of practice.", True),
    (A, "That usually means too much grip. Keep the fingers curved and relaxed, and take short breaks."),
    (U, "My teacher says I press too hard on the strings too."),
    (A, "Try playing open strings slowly while watching your hand in a mirror."),
    (U, "How long should I practise each day?"),
    (A, "Thirty focused minutes a day beats two tired hours.")))
q("ssu_07", "single-session-user", "marathon", "What was my time in the half marathon?", "1 hour 52 minutes", "2024/07/08 (Mon) 07:30",
  s("2024/04/21 (Sun) 15:00",
    (U, "I ran my first half marathon this morning and finished in 1 hour 52 minutes!", True),
    (A, "That's a great time for a first half marathon. How do your legs feel?"),
    (U, "Sore but happy. I want to try a full one next year."),
    (A, "Give yourself a few easy weeks first, then build mileage slowly."),
    (U, "How long does a full marathon training plan take?"),
    (A, "Most plans run sixteen to twenty weeks.")))
q("ssu_08", "single-session-user", "apartment", "How much rent do I pay?", "1,150 euros a month", "2024/07/09 (Tue) 20:00",
  s("2024/03/15 (Fri) 22:10",
    (U, "Help me make a monthly budget. My take home pay is 2,900 euros and my rent is 1,150 euros.", True),
    (A, "Let's start with fixed costs: rent, utilities, transport and insurance, then savings, then spending."),
    (U, "Utilities are around 120 and my transport pass is 49."),
    (A, "That leaves about 1,580 euros. Consider saving twenty percent of your pay first."),
    (U, "That seems like a lot."),
    (A, "Start with ten percent and raise it as you can.")))

# single-session-assistant -------------------------------------------------------------------------------------------
q("ssa_01", "single-session-assistant", "wine", "Which wine did you recommend to go with the mushroom risotto?", "a Pinot Noir", "2024/07/10 (Wed) 19:00",
  s("2024/02/03 (Sat) 18:20",
    (U, "I'm cooking a mushroom risotto for friends tonight. What wine should I serve?"),
    (A, "A light red like a Pinot Noir goes beautifully with mushrooms; if your friends prefer white, an oaked Chardonnay works too.", True),
    (U, "How much wine for six people?"),
    (A, "Plan on about one bottle for every two or three guests."),
    (U, "Should I add parmesan at the end?"),
    (A, "Yes, stir in parmesan and a knob of butter off the heat.")))
q("ssa_02", "single-session-assistant", "sleep", "What breathing technique did you suggest to help me fall asleep?", "4-7-8 breathing", "2024/07/11 (Thu) 23:00",
  s("2024/03/28 (Thu) 23:40",
    (U, "I can't fall asleep lately, my mind keeps racing."),
    (A, "Try the 4-7-8 technique: breathe in for four seconds, hold for seven, and breathe out slowly for eight. Repeat four times.", True),
    (U, "Should I avoid my phone before bed?"),
    (A, "Yes, screens an hour before sleep make it harder to wind down."),
    (U, "What about reading?"),
    (A, "A paper book under warm light is a good routine.")))
q("ssa_03", "single-session-assistant", "book", "What was the name of the sci-fi novel you suggested for my book club?", "The Left Hand of Darkness", "2024/07/12 (Fri) 17:00",
  s("2024/01/30 (Tue) 20:15",
    (U, "My book club wants a science fiction novel that sparks discussion. Any ideas?"),
    (A, "The Left Hand of Darkness by Ursula K. Le Guin is a great choice: it raises questions about gender and politics that people love to debate.", True),
    (U, "Is it long?"),
    (A, "About three hundred pages, so it fits a month well."),
    (U, "Anything lighter as a backup?"),
    (A, "Becky Chambers' A Psalm for the Wild-Built is short and warm.")))
q("ssa_04", "single-session-assistant", "stain", "What did you tell me to use on the grease stain on my shirt?", "dish soap and baking soda", "2024/07/13 (Sat) 11:00",
  s("2024/05/05 (Sun) 13:10",
    (U, "I got a grease stain on my favourite cotton shirt at lunch."),
    (A, "Rub a drop of dish soap into the stain, sprinkle baking soda on top, leave it for fifteen minutes, then wash it in warm water.", True),
    (U, "Can I put it in the dryer?"),
    (A, "Not until the stain is gone, heat sets it."),
    (U, "Thanks, I'll try tonight."),
    (A, "Good luck, it usually comes out.")))

# single-session-preference ------------------------------------------------------------------------------------------
q("ssp_01", "single-session-preference", "coffee", "How do I like my coffee?", "black, no sugar", "2024/07/14 (Sun) 08:00",
  s("2024/02/19 (Mon) 07:50",
    (U, "Which coffee beans would you recommend? I always drink it black, no sugar, so I want something smooth.", True),
    (A, "For black coffee, a medium roast from Brazil or Colombia is smooth, with chocolate and nut notes."),
    (U, "I use a French press."),
    (A, "Then grind coarsely and steep for four minutes."),
    (U, "What ratio of coffee to water?"),
    (A, "About sixty grams per litre, then adjust to taste.")))
q("ssp_02", "single-session-preference", "music", "What kind of music do I like to work to?", "instrumental lo-fi or jazz without vocals", "2024/07/15 (Mon) 09:00",
  s("2024/04/02 (Tue) 10:30",
    (U, "Can you make me a playlist for focus? I can only work to instrumental music, lo-fi or jazz, nothing with vocals.", True),
    (A, "Try Nujabes, Bill Evans, GoGo Penguin, Tycho and the lo-fi beats channels."),
    (U, "Bill Evans is perfect."),
    (A, "Then add Chet Baker's instrumentals and Brad Mehldau too."),
    (U, "How long should each focus session be?"),
    (A, "Fifty minutes with a ten minute break works for many people.")))
q("ssp_03", "single-session-preference", "holiday", "What kind of holidays do I prefer?", "quiet nature trips, not cities", "2024/07/16 (Tue) 21:00",
  s("2024/01/14 (Sun) 20:20",
    (U, "Where should I go in September? I hate busy cities, I prefer quiet places in nature where I can hike and read.", True),
    (A, "The Dolomites, the Scottish Highlands or the Azores would all suit you: lots of trails and peaceful villages."),
    (U, "The Azores sound nice, how do I get around?"),
    (A, "Rent a small car; buses are rare outside the towns."),
    (U, "Is September rainy there?"),
    (A, "Showers come and go, but it is still mild and green.")))
q("ssp_04", "single-session-preference", "diet", "What diet do I follow?", "vegetarian", "2024/07/17 (Wed) 12:30",
  s("2024/03/10 (Sun) 11:40",
    (U, "I've been vegetarian for ten years. Can you suggest high protein lunches?", True),
    (A, "Lentil salads, tofu bowls, Greek yoghurt with seeds, eggs, tempeh wraps and chickpea pasta are all rich in protein."),
    (U, "I get bored of tofu."),
    (A, "Try seitan or halloumi for variety."),
    (U, "How much protein do I need?"),
    (A, "Around 0.8 to 1.2 grams per kilo of body weight for most active adults.")))

# multi-session --------------------------------------------------------------------------------------------------------
q("ms_01", "multi-session", "garden", "Which vegetables have I planted in my garden this year?", "tomatoes and courgettes", "2024/07/18 (Thu) 18:00",
  s("2024/04/14 (Sun) 10:00",
    (U, "I planted six tomato plants in the raised bed this morning.", True),
    (A, "Nice! Give them a stake now so you don't disturb the roots later."),
    (U, "How often should I water them?"),
    (A, "Deeply twice a week, more in heat waves.")),
  s("2024/05/19 (Sun) 09:30",
    (U, "The courgettes I put in last week already have big leaves.", True),
    (A, "Courgettes grow fast. Leave them plenty of space and watch for powdery mildew."),
    (U, "When will I get the first ones?"),
    (A, "Usually about six to eight weeks after planting.")))
q("ms_02", "multi-session", "fitness", "How many kilometres have I run in total across my long runs this month?", "33 km (15 + 18)", "2024/07/19 (Fri) 07:00",
  s("2024/06/02 (Sun) 12:00",
    (U, "Did a long run today: 15 km along the river in the rain.", True),
    (A, "Well done! Make sure you refuel with some carbs and protein."),
    (U, "My socks were soaked."),
    (A, "Merino running socks dry faster and prevent blisters.")),
  s("2024/06/16 (Sun) 11:30",
    (U, "Today's long run was 18 km, my longest ever.", True),
    (A, "That's a big milestone. Take an easy day tomorrow."),
    (U, "My left calf is tight."),
    (A, "Gentle stretching and a massage ball should help.")))
q("ms_03", "multi-session", "family", "What are the names of my two nieces?", "Lena and Mia", "2024/07/20 (Sat) 14:00",
  s("2024/02/24 (Sat) 16:00",
    (U, "My niece Lena turns eight next week. What gift would an eight year old like?", True),
    (A, "Art kits, a science experiment set, a good chapter book series or a simple board game are great at that age."),
    (U, "She loves drawing."),
    (A, "Then a set of quality coloured pencils and a sketchbook would be perfect.")),
  s("2024/05/30 (Thu) 19:10",
    (U, "I'm babysitting my other niece Mia tomorrow, she's four. Any activity ideas?", True),
    (A, "Playdough, a walk to the playground, simple baking, or a picture book story time."),
    (U, "She doesn't nap anymore."),
    (A, "Then plan a quiet hour with books and puzzles after lunch.")))
q("ms_04", "multi-session", "language", "Which languages am I learning?", "Italian and Japanese", "2024/07/21 (Sun) 10:00",
  s("2024/01/08 (Mon) 19:00",
    (U, "I signed up for an Italian evening class at the community college.", True),
    (A, "Bravo! Practising with short daily sessions between classes will help a lot."),
    (U, "Any app you recommend?"),
    (A, "Anki for vocabulary and a podcast for listening.")),
  s("2024/04/25 (Thu) 21:30",
    (U, "I also started Japanese with an app, the kanji are hard.", True),
    (A, "Start with hiragana and katakana, then learn kanji with their common words."),
    (U, "How long to learn hiragana?"),
    (A, "Most people learn it in one or two weeks of daily practice.")))
q("ms_05", "multi-session", "expenses", "How much did I spend on the bike and the helmet together?", "680 euros (620 + 60)", "2024/07/22 (Mon) 19:00",
  s("2024/03/02 (Sat) 15:00",
    (U, "I bought a used road bike for 620 euros, I hope it was a good deal.", True),
    (A, "That can be a good price depending on the frame and components. Have a shop check the chain and brakes."),
    (U, "It's an aluminium frame with Shimano 105."),
    (A, "That's a solid setup for the price.")),
  s("2024/03/09 (Sat) 14:20",
    (U, "Picked up a helmet for 60 euros today, now I just need lights.", True),
    (A, "Good. For lights, get a front light of at least 400 lumen and a bright rear light."),
    (U, "Rechargeable?"),
    (A, "Yes, USB rechargeable ones are the most practical.")))
q("ms_06", "multi-session", "concerts", "Which concerts have I been to this year?", "Radiohead and Billie Eilish", "2024/07/23 (Tue) 22:00",
  s("2024/02/09 (Fri) 23:50",
    (U, "Just got home from the Radiohead concert, it was amazing.", True),
    (A, "Sounds like a great night! Which songs did they play?"),
    (U, "They closed with Karma Police."),
    (A, "What a way to end a show.")),
  s("2024/06/08 (Sat) 23:30",
    (U, "Billie Eilish tonight was incredible, the stage lights were unreal.", True),
    (A, "That must have been quite the show. Was it in an arena?"),
    (U, "Yes, sold out."),
    (A, "The atmosphere at sold out arena shows is hard to beat.")))

# knowledge-update -----------------------------------------------------------------------------------------------------
q("ku_01", "knowledge-update", "job", "Where do I work now?", "at Lumen Analytics (previously Northwind Bank)", "2024/07/24 (Wed) 09:00",
  s("2024/01/16 (Tue) 18:00",
    (U, "Work at Northwind Bank is so stressful this quarter.", True),
    (A, "I'm sorry to hear that. What makes it stressful?"),
    (U, "Audit season, long hours."),
    (A, "Try to protect your evenings and sleep during the busy weeks.")),
  s("2024/05/06 (Mon) 19:30",
    (U, "First week at my new job at Lumen Analytics done! I left the bank in April.", True),
    (A, "Congratulations on the new job! How is the team?"),
    (U, "Very relaxed, lots of remote days."),
    (A, "That sounds like a good change after the audit stress.")))
q("ku_02", "knowledge-update", "home", "Which city do I live in?", "Utrecht (moved from Rotterdam)", "2024/07/25 (Thu) 10:00",
  s("2024/01/28 (Sun) 14:00",
    (U, "Any good brunch places in Rotterdam? I live near the Markthal.", True),
    (A, "The area around the Markthal and Witte de Withstraat has lots of brunch spots."),
    (U, "Something quiet?"),
    (A, "Look at the smaller cafes in the Oude Noorden.")),
  s("2024/05/22 (Wed) 20:00",
    (U, "We moved to Utrecht last weekend, still unpacking boxes.", True),
    (A, "Welcome to Utrecht! Moving is exhausting, take it one room at a time."),
    (U, "The canals here are lovely."),
    (A, "The wharf cellars along the Oudegracht are unique to Utrecht.")))
q("ku_03", "knowledge-update", "weight", "How much do I weigh now?", "74 kg (down from 81 kg)", "2024/07/26 (Fri) 08:00",
  s("2024/01/03 (Wed) 08:30",
    (U, "New year's resolution: get fit. I weigh 81 kg right now and want to get to 75.", True),
    (A, "A realistic goal. Aim for about half a kilo a week with a small calorie deficit and regular exercise."),
    (U, "Should I count calories?"),
    (A, "For a few weeks it helps you learn portion sizes.")),
  s("2024/06/20 (Thu) 07:45",
    (U, "Stepped on the scale this morning: 74 kg! Beat my goal.", True),
    (A, "Fantastic! Now focus on keeping the habits that got you there."),
    (U, "Should I keep counting calories?"),
    (A, "You can switch to mindful eating and check your weight weekly.")))
q("ku_04", "knowledge-update", "phone", "What phone do I have now?", "a Pixel 8 (replaced the iPhone 11)", "2024/07/27 (Sat) 16:00",
  s("2024/02/06 (Tue) 21:00",
    (U, "My iPhone 11 battery dies by lunchtime, is it worth replacing the battery?", True),
    (A, "A battery replacement is cheap compared to a new phone and will make it last another year or two."),
    (U, "Where should I get it done?"),
    (A, "An official repair shop keeps the battery health readings accurate.")),
  s("2024/06/11 (Tue) 18:40",
    (U, "I gave up on the old iPhone and switched to a Pixel 8. How do I move my WhatsApp chats?", True),
    (A, "WhatsApp has a transfer option from iPhone to Android using a cable during setup."),
    (U, "I already finished the setup."),
    (A, "Then you may need to reset the Pixel to start the transfer again.")))
q("ku_05", "knowledge-update", "gym", "How many days a week do I go to the gym now?", "four days (up from two)", "2024/07/28 (Sun) 11:00",
  s("2024/02/14 (Wed) 07:10",
    (U, "I go to the gym twice a week, mostly machines. Is that enough to build muscle?", True),
    (A, "Two full body sessions can build muscle if you progress the weights over time."),
    (U, "What about free weights?"),
    (A, "Adding squats and presses with free weights builds more overall strength.")),
  s("2024/06/04 (Tue) 19:20",
    (U, "I've upped it to four gym days a week now, upper and lower split.", True),
    (A, "An upper/lower split four days a week is a great structure."),
    (U, "Do I need rest days in between?"),
    (A, "Two days on, one off works well with that split.")))
q("ku_06", "knowledge-update", "salary", "What is my current salary?", "62,000 euros a year (raised from 54,000)", "2024/07/29 (Mon) 18:00",
  s("2024/01/19 (Fri) 17:30",
    (U, "I earn 54,000 a year, should I ask for a raise at my review?", True),
    (A, "If you have taken on more responsibility, prepare examples and market data before the review."),
    (U, "Where do I find market data?"),
    (A, "Salary surveys and job listings in your field are a good start.")),
  s("2024/04/30 (Tue) 20:30",
    (U, "The review went well, they raised my salary to 62,000!", True),
    (A, "Congratulations, that is a solid raise."),
    (U, "Should I change my savings plan?"),
    (A, "Put part of the raise into savings before you get used to it.")))

# temporal-reasoning ----------------------------------------------------------------------------------------------------
q("tr_01", "temporal-reasoning", "dentist", "How many weeks passed between my dentist appointment and the root canal?", "three weeks", "2024/07/30 (Tue) 10:00",
  s("2024/03/05 (Tue) 16:00",
    (U, "Had my dentist appointment today, she found a deep cavity and wants to do a root canal.", True),
    (A, "That sounds unpleasant, but root canals are routine now and save the tooth."),
    (U, "Does it hurt?"),
    (A, "With local anaesthetic it usually feels like a long filling.")),
  s("2024/03/26 (Tue) 18:30",
    (U, "Root canal done this afternoon, my jaw is numb.", True),
    (A, "Take it easy and avoid chewing on that side until the numbness wears off."),
    (U, "Can I have soup?"),
    (A, "Yes, lukewarm soup is fine.")))
q("tr_02", "temporal-reasoning", "trip", "What did I do first: the trip to Lisbon or the trip to Copenhagen?", "Lisbon (February), then Copenhagen (May)", "2024/07/31 (Wed) 12:00",
  s("2024/02/17 (Sat) 22:00",
    (U, "Back from three days in Lisbon, the custard tarts were everything.", True),
    (A, "Pastéis de nata in Lisbon are hard to beat! Did you go to Belém?"),
    (U, "Yes, and we took tram 28."),
    (A, "A classic ride through the old town.")),
  s("2024/05/11 (Sat) 21:15",
    (U, "Copenhagen was lovely, we cycled everywhere for four days.", True),
    (A, "Copenhagen is made for bikes. Did you see Nyhavn?"),
    (U, "Yes, and the Tivoli gardens."),
    (A, "Tivoli at night is magical.")))
q("tr_03", "temporal-reasoning", "course", "When did I start my pottery course?", "in mid-January (the week before 2024/01/20)", "2024/08/01 (Thu) 19:00",
  s("2024/01/20 (Sat) 17:40",
    (U, "I started a pottery course this week, my first bowl collapsed on the wheel.", True),
    (A, "That happens to everyone at first. Centering the clay is the hardest part."),
    (U, "My hands were shaking."),
    (A, "Brace your elbows on your knees, it steadies your hands.")))
q("tr_04", "temporal-reasoning", "plants", "How long ago did I buy the monstera?", "about four months before the question (March 2024)", "2024/07/15 (Mon) 09:00",
  s("2024/03/12 (Tue) 18:15",
    (U, "Bought a big monstera at the garden centre today, where should I put it?", True),
    (A, "Bright indirect light, away from cold drafts. A spot near an east facing window is ideal."),
    (U, "It has some yellow leaves."),
    (A, "One or two old yellow leaves are normal after a move.")))
q("tr_05", "temporal-reasoning", "appointments", "Which came first, my eye test or my blood test?", "the blood test (April), then the eye test (June)", "2024/08/02 (Fri) 15:00",
  s("2024/04/17 (Wed) 09:00",
    (U, "Just had a blood test this morning, fasting made me grumpy.", True),
    (A, "Have a proper breakfast now! Results usually take a few days."),
    (U, "They checked cholesterol and iron."),
    (A, "Those are common routine checks.")),
  s("2024/06/13 (Thu) 17:00",
    (U, "Eye test today, turns out I need glasses for driving.", True),
    (A, "That's common and easy to fix. Did they give you a prescription?"),
    (U, "Yes, slightly short sighted."),
    (A, "Many people only need glasses for distance.")))

# abstention (_abs): nearby topics, but the answer was never said -------------------------------------------------------
q("ssu_02_abs", "single-session-user", "commute", "How long is my commute by bike?", "not mentioned (only the train commute was)", "2024/07/03 (Wed) 08:00",
  s("2024/03/04 (Mon) 19:40",
    (U, "I'm trying to use my time on the train better. My commute to the office is about 45 minutes each way."),
    (A, "That's a good chunk of time. You could read, listen to audiobooks or learn a language."),
    (U, "I get motion sick when I read though."),
    (A, "Then podcasts or audiobooks are a better fit.")))
q("ms_03_abs", "multi-session", "family", "What is my nephew's name?", "not mentioned (only nieces Lena and Mia were)", "2024/07/20 (Sat) 14:00",
  s("2024/02/24 (Sat) 16:00",
    (U, "My niece Lena turns eight next week. What gift would an eight year old like?"),
    (A, "Art kits, a science experiment set, a good chapter book series or a simple board game are great at that age.")),
  s("2024/05/30 (Thu) 19:10",
    (U, "I'm babysitting my other niece Mia tomorrow, she's four. Any activity ideas?"),
    (A, "Playdough, a walk to the playground, simple baking, or a picture book story time.")))
q("ssp_04_abs", "single-session-preference", "diet", "What is my favourite fish dish?", "not mentioned (the user is vegetarian)", "2024/07/17 (Wed) 12:30",
  s("2024/03/10 (Sun) 11:40",
    (U, "I've been vegetarian for ten years. Can you suggest high protein lunches?"),
    (A, "Lentil salads, tofu bowls, Greek yoghurt with seeds, eggs, tempeh wraps and chickpea pasta are all rich in protein.")))
q("ku_04_abs", "knowledge-update", "phone", "What colour is my laptop?", "not mentioned", "2024/07/27 (Sat) 16:00",
  s("2024/06/11 (Tue) 18:40",
    (U, "I gave up on the old iPhone and switched to a Pixel 8. How do I move my WhatsApp chats?"),
    (A, "WhatsApp has a transfer option from iPhone to Android using a cable during setup.")))
q("tr_02_abs", "temporal-reasoning", "trip", "When did I go to Barcelona?", "not mentioned (Lisbon and Copenhagen were)", "2024/07/31 (Wed) 12:00",
  s("2024/02/17 (Sat) 22:00",
    (U, "Back from three days in Lisbon, the custard tarts were everything."),
    (A, "Pastéis de nata in Lisbon are hard to beat! Did you go to Belém?")),
  s("2024/05/11 (Sat) 21:15",
    (U, "Copenhagen was lovely, we cycled everywhere for four days."),
    (A, "Copenhagen is made for bikes. Did you see Nyhavn?")))
q("ssa_01_abs", "single-session-assistant", "wine", "Which beer did you recommend with the pizza?", "not mentioned (only wine with risotto)", "2024/07/10 (Wed) 19:00",
  s("2024/02/03 (Sat) 18:20",
    (U, "I'm cooking a mushroom risotto for friends tonight. What wine should I serve?"),
    (A, "A light red like a Pinot Noir goes beautifully with mushrooms; if your friends prefer white, an oaked Chardonnay works too.")))

# ---------------------------------------------------------------------------------------------------------------
def fmt(d):
    return d.strftime("%Y/%m/%d (%a) %H:%M")

def parse(text):
    return datetime.datetime.strptime(text.split(" (")[0] + " " + text.split(") ")[1], "%Y/%m/%d %H:%M")

def build():
    rng = random.Random(20240701)
    out = []
    base = [x for x in Q if not x["id"].endswith("_abs")]
    for qi, item in enumerate(Q):
        sessions = []
        answer_ids = []
        for si, (date, turns) in enumerate(item["sessions"]):
            sid = f"{item['id']}_ev{si + 1}"
            content = []
            for role, text, has in turns:
                turn = {"role": role, "content": text}
                if has:
                    turn["has_answer"] = True
                content.append(turn)
            sessions.append((sid, parse(date), content))
            if any(t.get("has_answer") for t in content) or item["id"].endswith("_abs"):
                answer_ids.append(sid)
        if item["id"].endswith("_abs"):
            answer_ids = []
        # The whole pool and eight evidence sessions of other questions on other topics.
        pool = range(len(POOL))
        for pi in pool:
            day = datetime.datetime(2024, 1, 2) + datetime.timedelta(days=rng.randrange(0, 175), hours=rng.randrange(8, 22), minutes=rng.randrange(0, 60))
            sessions.append((f"pool_{pi + 1:02d}", day, [{"role": r, "content": t} for r, t in POOL[pi]]))
        others = [x for x in base if x["topic"] != item["topic"]]
        for other in rng.sample(others, 8):
            date, turns = other["sessions"][0]
            sessions.append((f"{other['id']}_ev1", parse(date), [{"role": r, "content": t} for r, t, _ in turns]))
        sessions.sort(key=lambda x: (x[1], x[0]))
        qd = parse(item["date"])
        assert all(s[1] < qd for s in sessions), item["id"]
        out.append({
            "question_id": item["id"],
            "question_type": item["type"],
            "question": item["question"],
            "answer": item["answer"],
            "question_date": item["date"],
            "haystack_dates": [fmt(s[1]) for s in sessions],
            "haystack_session_ids": [s[0] for s in sessions],
            "haystack_sessions": [s[2] for s in sessions],
            "answer_session_ids": answer_ids,
        })
    return out

if __name__ == "__main__":
    data = build()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hearth-memory-eval.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    types = {}
    for d in data:
        key = "abstention" if d["question_id"].endswith("_abs") else d["question_type"]
        types[key] = types.get(key, 0) + 1
    print(f"{len(data)} questions -> {path}: {types}")
